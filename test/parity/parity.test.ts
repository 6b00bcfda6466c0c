import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransformOutput } from '../../src/lib/engine/run-transform.ts';
import { DataLake } from '../../src/lib/lake/data-lake.ts';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';
import { runQualityChecks } from '../../src/lib/quality/run-checks.ts';
import { isNullText } from '../../src/lib/sources/values.ts';
import {
  cleanCounts,
  outputOf,
  SALES_ETL,
  SALES_SUITES,
  salesSuite,
  transformSales,
} from '../helpers/sales-etl.ts';
import { compareCsv, readCsvText } from './compare.ts';

/**
 * Parity with the seed: each case under test/fixtures/parity holds landing files and what the seed's
 * pandas code makes of them (expected/, made by test/parity/regen.sh). sales_etl's transform runs on
 * the same files in a temporary lake (under its namespace, `sales_etl/landing/…`) and must produce the
 * same rows, columns and numbers.
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

/** What the seed's transform reports (expected/metrics.json). */
interface SeedMetrics {
  clean: Record<string, number>;
  enrich: { customers_matched: number; products_matched: number };
  aggregate: { total_revenue: number; total_profit: number; unique_dates: number };
}

/** The columns the seed's enrich_transactions appends to the cleaned ones. */
const ENRICH_COLUMNS = ['segment', 'lifetime_value', 'category', 'cost', 'profit', 'profit_margin'];

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
  let result: TransformOutput;
  const expected = (file: string) => readFile(path.join(caseDir, 'expected', file), 'utf8');
  const actual = async (key: string) => (await lake.storage.get(key)).toString('utf8');

  beforeAll(async () => {
    spec = JSON.parse(await readFile(path.join(caseDir, 'case.json'), 'utf8')) as ParityCase;
    root = await mkdtemp(path.join(tmpdir(), `parity-${name}-`));
    await cp(path.join(caseDir, 'landing'), path.join(root, SALES_ETL, 'landing'), { recursive: true });
    lake = new DataLake(new LocalStorage(root));
    result = await transformSales(lake, spec.date, { runId: `parity-${name}` });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads the date transactions and the dimension snapshots the seed run was given', () => {
    // case.json names the files within the case; the lake holds them in the pipeline's namespace.
    expect(result.inputs.map((input) => input.key)).toEqual(
      [spec.transactions, spec.customers, spec.products].map((key) => `${SALES_ETL}/${key}`),
    );
  });

  it('writes the enriched transactions pandas writes', async () => {
    const differences = compareCsv(
      await actual(outputOf(result, 'enriched').key),
      await expected('enriched.csv'),
      {
        label: 'enriched',
        timestampColumns: ['timestamp'],
      },
    );
    expect(differences).toEqual([]);
  });

  it('writes the cleaned transactions: the enriched ones without the enrichment columns', async () => {
    const cleaned = readCsvText(await actual(outputOf(result, 'cleaned').key));
    const enriched = readCsvText(await actual(outputOf(result, 'enriched').key));
    const width = enriched.header.length - ENRICH_COLUMNS.length;
    expect(cleaned.header).toEqual(enriched.header.slice(0, width));
    expect(cleaned.rows).toEqual(enriched.rows.map((row) => row.slice(0, width)));
  });

  it('writes the daily summary pandas writes', async () => {
    const differences = compareCsv(
      await actual(outputOf(result, 'daily_summary').key),
      await expected('daily_summary.csv'),
      {
        label: 'daily_summary',
      },
    );
    expect(differences).toEqual([]);
  });

  it("reports the seed's metrics through its steps, and its outputs hold the seed's totals", async () => {
    const seed = JSON.parse(await expected('metrics.json')) as SeedMetrics;
    // clean_transactions' counts are the cleaning steps' (read, dedupe, fill_null, filter, write).
    expect(cleanCounts(result.metrics)).toEqual(seed.clean);
    expect(result.metrics.write_enriched).toEqual({ rows: seed.clean.final_rows });
    // Both lookups are left joins over every cleaned row.
    for (const lookup of ['lookup_customers', 'lookup_products']) {
      const { matched, unmatched } = result.metrics[lookup] as { matched: number; unmatched: number };
      expect(matched + unmatched, lookup).toBe(seed.clean.final_rows);
    }
    // enrich_transactions' and create_daily_summary's figures are no longer metrics; they are those
    // of the enriched rows the transform wrote.
    const enriched = readCsvText(await actual(outputOf(result, 'enriched').key));
    const column = (name: string) => enriched.rows.map((row) => row[enriched.header.indexOf(name)] as string);
    const sum = (name: string) =>
      column(name).reduce((total, text) => total + (isNullText(text) ? 0 : Number(text)), 0);
    expect(column('segment').filter((segment) => segment !== 'Unknown')).toHaveLength(
      seed.enrich.customers_matched,
    );
    expect(column('category').filter((category) => !isNullText(category))).toHaveLength(
      seed.enrich.products_matched,
    );
    expect(new Set(column('date').filter((date) => !isNullText(date))).size).toBe(
      seed.aggregate.unique_dates,
    );
    // pandas sums a column pairwise (numpy), this test left to right: equal to ~1 ulp.
    expect(sum('total_amount')).toBeCloseTo(seed.aggregate.total_revenue, 6);
    expect(sum('profit')).toBeCloseTo(seed.aggregate.total_profit, 6);
  });

  it.each(SALES_SUITES)('scores the %s quality suite as the seed does', async (suite) => {
    const seed = (JSON.parse(await expected('quality.json')) as Record<string, SeedQuality>)[
      suite
    ] as SeedQuality;
    const { report } = await runQualityChecks({
      lake,
      pipeline: SALES_ETL,
      runId: `parity-${name}`,
      date: spec.date,
      suite: salesSuite(suite),
    });
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
