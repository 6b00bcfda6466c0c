import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';
import { completenessCheck, qualitySuiteSchema } from '../../src/lib/quality/checks.ts';
import { buildReport, failedChecks } from '../../src/lib/quality/report.ts';
import { runQualityChecks } from '../../src/lib/quality/run-checks.ts';
import { DEFAULT_SUITE, getSuite, SUITE_NAMES, SUITES } from '../../src/lib/quality/suites.ts';

describe('suites', () => {
  it("defines Part 4's checker as the default suite, with the seed's names and thresholds", () => {
    expect(DEFAULT_SUITE).toBe('notebook');
    expect(SUITES.notebook.checks.map((c) => [c.name, c.type, c.threshold])).toEqual([
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

  it("defines Part 5's pipeline checker with the seed's default thresholds", () => {
    expect(SUITES.pipeline.checks.map((c) => [c.name, c.threshold])).toEqual([
      ['Uniqueness: transaction_id', 1],
      ['Completeness: customer_id', 0.95],
      ['Range: total_amount [0, 10000]', 0.99],
    ]);
  });

  it('are plain data that survive JSON and validate', () => {
    for (const name of SUITE_NAMES) {
      const suite = getSuite(name);
      expect(qualitySuiteSchema.parse(JSON.parse(JSON.stringify(suite)))).toEqual(suite);
      expect(suite.checks.every((check) => check.severity === 'error')).toBe(true);
    }
  });

  it('hands out copies, so a caller cannot change a shared suite', () => {
    const suite = getSuite('notebook');
    (suite.checks[0] as { threshold: number }).threshold = 0;
    expect(getSuite('notebook').checks[0]?.threshold).toBe(1);
  });

  it('refuses an unknown suite, listing the known ones', () => {
    expect(() => getSuite('nope')).toThrow(expect.objectContaining({ code: 'UNKNOWN_SUITE' }));
    expect(() => getSuite('nope')).toThrow('notebook, pipeline');
    expect(() => getSuite('toString')).toThrow(expect.objectContaining({ code: 'UNKNOWN_SUITE' }));
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
      [{ score: 2 / 3, failing: 1 }, { score: 1, failing: 0 }, { error: 'column c2 not found' }],
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
        { score: 1, failing: 0 },
        { score: 0.1, failing: 9 },
      ],
      10,
    );
    expect(report.check_results.map((r) => r.status)).toEqual(['PASS', 'FAIL']);
    expect(report.passed).toBe(true);
    expect(failedChecks(report)).toEqual([]);
  });
});

describe('runQualityChecks', () => {
  let root: string;
  let lake: DataLake;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'quality-run-'));
    lake = new DataLake(new LocalStorage(root));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("checks the date's enriched transactions and writes the report beside the quality data", async () => {
    const csv = [
      'transaction_id,customer_id,product,region,quantity,total_amount,profit_margin,segment',
      'T1,C1,Widget A,EU,2,50,2,Gold',
      'T2,C2,Widget B,EU,1,45,0,Silver',
    ].join('\n');
    await lake.storage.put(lakeKeys.enriched('2024-01-20'), `${csv}\n`);
    const progress: number[] = [];
    const { report, reportRef } = await runQualityChecks({
      lake,
      runId: 'run-1',
      date: '2024-01-20',
      suite: 'notebook',
      onProgress: (p) => progress.push(p.rows),
    });
    expect(reportRef.key).toBe(lakeKeys.qualityReport('enriched_transactions', '2024-01-20'));
    expect(await lake.readJson(reportRef.key)).toEqual(report);
    expect(report).toMatchObject({
      dataset: 'enriched_transactions',
      dataset_key: lakeKeys.enriched('2024-01-20'),
      date: '2024-01-20',
      runId: 'run-1',
      suite: 'notebook',
      row_count: 2,
      overall_score: 1,
      passed: true,
    });
    expect(report.checks).toEqual(SUITES.notebook.checks);
    expect(report.check_results[4]).toEqual({
      check_name: 'Range: quantity [1, 100]',
      check_type: 'validity',
      column: 'quantity',
      score: 1,
      threshold: 0.99,
      severity: 'error',
      status: 'PASS',
      failing_rows: 0,
    });
    expect(progress).toEqual([2]);
  });

  it('fails with MISSING_INPUT when there is no dataset, UNKNOWN_SUITE for an unknown suite', async () => {
    await expect(
      runQualityChecks({ lake, runId: 'r', date: '2024-01-20', suite: 'notebook' }),
    ).rejects.toMatchObject({
      code: 'MISSING_INPUT',
    });
    await expect(
      runQualityChecks({ lake, runId: 'r', date: '2024-01-20', suite: 'nope' }),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_SUITE',
    });
  });

  it('refuses a malformed suite given as data', async () => {
    const suite = { name: 'x', checks: [{ ...completenessCheck('a'), threshold: 2 }] };
    await expect(runQualityChecks({ lake, runId: 'r', date: '2024-01-20', suite })).rejects.toMatchObject({
      code: 'INVALID_SUITE',
    });
  });
});
