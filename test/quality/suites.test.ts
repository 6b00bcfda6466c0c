import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { suiteOf } from '../../src/lib/pipeline/resolve.ts';
import { completenessCheck } from '../../src/lib/quality/check-builders.ts';
import { qualitySuiteSchema, type RowCheck } from '../../src/lib/quality/checks.ts';
import { buildReport, failedChecks } from '../../src/lib/quality/report.ts';
import { runQualityChecks } from '../../src/lib/quality/run-checks.ts';
import { datasetKey, SALES_ETL, SALES_SUITES, salesEtl, salesSuite } from '../helpers/sales-etl.ts';

/** The notebook's suites hold row checks only. */
const rowChecks = (suite: { checks: readonly unknown[] }) => suite.checks as RowCheck[];

import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

describe("sales_etl's suites", () => {
  it("declares Part 4's checker as the default suite, on the enriched dataset, with the seed's names and thresholds", () => {
    expect(salesEtl.defaultSuite).toBe('notebook');
    expect(Object.keys(salesEtl.suites)).toEqual([...SALES_SUITES]);
    expect(salesSuite('notebook').dataset).toBe('enriched');
    expect(rowChecks(salesSuite('notebook')).map((c) => [c.name, c.type, c.threshold])).toEqual([
      ['Uniqueness: transaction_id', 'uniqueness', 1],
      ['Completeness: customer_id', 'completeness', 1],
      ['Completeness: product', 'completeness', 1],
      ['Completeness: region', 'completeness', 0.95],
      ['Range: quantity [1, 100]', 'validity', 0.99],
      ['Range: total_amount [0, 10000]', 'validity', 0.99],
      ['Range: profit_margin [-50, 100]', 'validity', 0.95],
      ['Positive revenue', 'validity', 0.99],
      ['Valid segments', 'validity', 1],
    ]);
  });

  it("declares Part 5's pipeline checker on the enriched dataset, with the seed's default thresholds", () => {
    expect(salesSuite('pipeline').dataset).toBe('enriched');
    expect(rowChecks(salesSuite('pipeline')).map((c) => [c.name, c.threshold])).toEqual([
      ['Uniqueness: transaction_id', 1],
      ['Completeness: customer_id', 0.95],
      ['Range: total_amount [0, 10000]', 0.99],
    ]);
  });

  it('are plain data that survive JSON and validate', () => {
    for (const name of SALES_SUITES) {
      const checks = rowChecks(salesSuite(name));
      const suite = { name, checks };
      expect(qualitySuiteSchema.parse(JSON.parse(JSON.stringify(suite)))).toEqual(suite);
      expect(checks.every((check) => check.severity === 'error')).toBe(true);
    }
  });

  it('cannot be changed by a caller, through the suite it is handed', () => {
    // The loaded definition is shared by every job of a worker: a caller's change must not reach it.
    const check = suiteOf(salesEtl, 'notebook')?.checks[0] as { threshold: number };
    try {
      check.threshold = 0;
    } catch {
      // A frozen suite refuses the change: as good as a copy.
    }
    try {
      expect((suiteOf(salesEtl, 'notebook')?.checks[0] as RowCheck | undefined)?.threshold).toBe(1);
      expect(rowChecks(salesSuite('notebook'))[0]?.threshold).toBe(1);
    } finally {
      if (!Object.isFrozen(check)) check.threshold = 1; // the other tests of this file share the definition
    }
  });

  it('refuses an unknown suite, listing the known ones', () => {
    expect(() => suiteOf(salesEtl, 'nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_SUITE' }));
    expect(() => suiteOf(salesEtl, 'nope')).toThrow('notebook, pipeline');
    expect(() => suiteOf(salesEtl, 'toString')).toThrow(expect.objectContaining({ code: 'UNKNOWN_SUITE' }));
    expect(suiteOf(salesEtl, undefined)?.name).toBe('notebook');
  });
});

describe('buildReport', () => {
  const header = {
    dataset: 'd',
    dataset_key: 'k',
    date: '2024-01-20',
    runId: 'r',
    suite: 's',
    timestamp: 't',
  };

  it("averages the rounded scores with numpy's mean and rounding", () => {
    const checks = Array.from({ length: 3 }, (_, i) => completenessCheck(`c${i}`, { threshold: 0.5 }));
    const report = buildReport(
      header,
      checks,
      [
        { score: 2 / 3, failing: 1, samples: [] },
        { score: 1, failing: 0, samples: [] },
        { error: 'column c2 not found' },
      ],
      3,
    );
    // (0.6667 + 1 + 0) / 3 = 0.5555666.. -> 0.5556
    expect(report.overall_score).toBe(0.5556);
    expect(report.passed).toBe(false);
    expect(failedChecks(report)).toEqual(['Completeness: c2']);
  });

  it('passes when every error-severity check passes; warn checks only report', () => {
    const checks = [completenessCheck('a'), completenessCheck('b', { severity: 'warn' })];
    const report = buildReport(
      header,
      checks,
      [
        { score: 1, failing: 0, samples: [] },
        { score: 0.1, failing: 9, samples: [] },
      ],
      10,
    );
    expect(report.check_results.map((r) => r.status)).toEqual(['PASS', 'FAIL']);
    expect(report.passed).toBe(true);
    expect(failedChecks(report)).toEqual([]);
  });
});

describe('runQualityChecks', () => {
  let temp: TempLake;
  let lake: DataLake;
  beforeEach(async () => {
    temp = await createTempLake();
    lake = temp.lake;
  });
  afterEach(() => temp.cleanup());

  it("checks the date's enriched transactions and writes the report beside the quality data", async () => {
    const csv = [
      'transaction_id,customer_id,product,region,quantity,total_amount,profit_margin,segment',
      'T1,C1,Widget A,EU,2,50,2,Gold',
      'T2,C2,Widget B,EU,1,45,0,Silver',
    ].join('\n');
    await lake.storage.put(datasetKey('enriched', '2024-01-20'), `${csv}\n`);
    const progress: number[] = [];
    const { report, reportRef } = await runQualityChecks({
      lake,
      pipeline: SALES_ETL,
      runId: 'run-1',
      date: '2024-01-20',
      suite: salesSuite('notebook'),
      onProgress: (p) => progress.push(p.rows),
    });
    expect(reportRef.key).toBe(lakeKeys.qualityReport(SALES_ETL, 'enriched', '2024-01-20', 'run-1'));
    expect(reportRef.key).toBe('sales_etl/quality/enriched/date=2024-01-20/run-1.json');
    expect(await lake.readJson(reportRef.key)).toEqual(report);
    expect(report).toMatchObject({
      dataset: 'enriched',
      dataset_key: datasetKey('enriched', '2024-01-20'),
      date: '2024-01-20',
      runId: 'run-1',
      suite: 'notebook',
      row_count: 2,
      overall_score: 1,
      passed: true,
    });
    expect(report.checks).toEqual(salesSuite('notebook').checks);
    expect(report.check_results[4]).toEqual({
      blocking: false,
      check_name: 'Range: quantity [1, 100]',
      check_type: 'validity',
      column: 'quantity',
      score: 1,
      threshold: 0.99,
      severity: 'error',
      status: 'PASS',
      failing_rows: 0,
      // Added with warn/error levels and samples; the fields above are as they were.
      warn: null,
      error: null,
      outcome: 'pass',
      observed: { failing_rows: 0, fraction: 0 },
      samples: [],
    });
    expect(report.warnings).toEqual([]);
    expect(progress).toEqual([2]);
  });

  it('fails with MISSING_INPUT when there is no dataset (an unknown suite is refused by suiteOf, above)', async () => {
    await expect(
      runQualityChecks({
        lake,
        pipeline: SALES_ETL,
        runId: 'r',
        date: '2024-01-20',
        suite: salesSuite('notebook'),
      }),
    ).rejects.toMatchObject({
      code: 'MISSING_INPUT',
      location: { key: datasetKey('enriched', '2024-01-20') },
    });
  });

  it('refuses a malformed suite given as data', async () => {
    const suite = { name: 'x', dataset: 'enriched', checks: [{ ...completenessCheck('a'), threshold: 2 }] };
    await expect(
      runQualityChecks({ lake, pipeline: SALES_ETL, runId: 'r', date: '2024-01-20', suite }),
    ).rejects.toMatchObject({
      code: 'INVALID_SUITE',
    });
  });
});
