import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLake } from '../../src/lib/lake/data-lake.ts';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';
import type { TransformResult } from '../../src/lib/pipeline/jobs.ts';
import { runQualityChecks } from '../../src/lib/quality/run-checks.ts';
import { ENRICH_COLUMNS } from '../../src/lib/transform/columns.ts';
import { transformDate } from '../../src/lib/transform/transform.ts';
import { compareCsv, readCsvText } from './compare.ts';

/**
 * Parity with the seed: each case under test/fixtures/parity holds landing files and what the seed's
 * pandas code makes of them (expected/, made by test/parity/regen.sh). The transform runs on the same
 * files in a temporary lake and must produce the same rows, columns and numbers.
 */
const casesDir = fileURLToPath(new URL('../fixtures/parity/', import.meta.url));
const cases = (await readdir(casesDir, { withFileTypes: true }))
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

interface ParityCase {
  date: string;
  transactions: string;
  customers: string;
  products: string;
}

interface SeedQuality {
  overall_score: number;
  passed: boolean;
  check_results: {
    check_name: string;
    check_type: string;
    score: number;
    threshold: number;
    status: string;
  }[];
}

describe.each(cases)('parity with the seed: %s', (name) => {
  const caseDir = path.join(casesDir, name);
  let root: string;
  let lake: DataLake;
  let spec: ParityCase;
  let result: TransformResult;
  const expected = (file: string) => readFile(path.join(caseDir, 'expected', file), 'utf8');
  const actual = async (key: string) => (await lake.storage.get(key)).toString('utf8');

  beforeAll(async () => {
    spec = JSON.parse(await readFile(path.join(caseDir, 'case.json'), 'utf8')) as ParityCase;
    root = await mkdtemp(path.join(tmpdir(), `parity-${name}-`));
    await cp(path.join(caseDir, 'landing'), path.join(root, 'landing'), { recursive: true });
    lake = new DataLake(new LocalStorage(root));
    result = await transformDate({ lake, runId: `parity-${name}`, date: spec.date });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads the date transactions and the dimension snapshots the seed run was given', () => {
    expect(result.inputs.map((input) => input.key)).toEqual([
      spec.transactions,
      spec.customers,
      spec.products,
    ]);
  });

  it('writes the enriched transactions pandas writes', async () => {
    const differences = compareCsv(
      await actual(result.outputs.enriched.key),
      await expected('enriched.csv'),
      {
        label: 'enriched',
        timestampColumns: ['timestamp'],
      },
    );
    expect(differences).toEqual([]);
  });

  it('writes the cleaned transactions: the enriched ones without the enrichment columns', async () => {
    const cleaned = readCsvText(await actual(result.outputs.cleaned.key));
    const enriched = readCsvText(await actual(result.outputs.enriched.key));
    const width = enriched.header.length - ENRICH_COLUMNS.length;
    expect(cleaned.header).toEqual(enriched.header.slice(0, width));
    expect(cleaned.rows).toEqual(enriched.rows.map((row) => row.slice(0, width)));
  });

  it('writes the daily summary pandas writes', async () => {
    const differences = compareCsv(
      await actual(result.outputs.summary.key),
      await expected('daily_summary.csv'),
      {
        label: 'daily_summary',
      },
    );
    expect(differences).toEqual([]);
  });

  it('reports the metrics the seed computes', async () => {
    const seed = JSON.parse(await expected('metrics.json')) as TransformResult['metrics'];
    expect(result.metrics.clean).toEqual(seed.clean);
    expect(result.metrics.enrich).toEqual(seed.enrich);
    const aggregate = result.metrics.aggregate as Record<string, number>;
    const seedAggregate = seed.aggregate as Record<string, number>;
    expect(aggregate.unique_dates).toBe(seedAggregate.unique_dates);
    // pandas sums a column pairwise (numpy), we with Neumaier compensation: equal to ~1 ulp.
    expect(aggregate.total_revenue).toBeCloseTo(seedAggregate.total_revenue as number, 6);
    expect(aggregate.total_profit).toBeCloseTo(seedAggregate.total_profit as number, 6);
  });

  it.each(['notebook', 'pipeline'])('scores the %s quality suite as the seed does', async (suite) => {
    const seed = (JSON.parse(await expected('quality.json')) as Record<string, SeedQuality>)[
      suite
    ] as SeedQuality;
    const { report } = await runQualityChecks({ lake, runId: `parity-${name}`, date: spec.date, suite });
    expect(report.overall_score).toBe(seed.overall_score);
    expect(report.passed).toBe(seed.passed);
    expect(
      report.check_results.map(({ check_name, check_type, score, threshold, status }) => ({
        check_name,
        check_type,
        score,
        threshold,
        status,
      })),
    ).toEqual(seed.check_results);
  });
});
