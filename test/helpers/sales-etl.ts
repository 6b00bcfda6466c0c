import salesEtl from '../../pipelines/sales_etl/pipeline.ts';
import type { Suite } from '../../src/api.ts';
import type { Source } from '../../src/lib/definition/sources.ts';
import {
  runTransform,
  type TransformOptions,
  type TransformOutput,
} from '../../src/lib/engine/run-transform.ts';
import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';

/**
 * The repository's sales_etl pipeline (the notebook's transform, ingestion sources and suites), for tests
 * that run it on landing files they write themselves.
 */
export { salesEtl };

/** The pipeline's name: its namespace in the lake. */
export const SALES_ETL = salesEtl.name;

/** sales_etl's sources. */
export type SalesSource = 'transactions' | 'customers' | 'products';
export const SALES_SOURCES: readonly SalesSource[] = ['transactions', 'customers', 'products'];

/** The definition's source `name`, as ingestion and the generators take it. */
export function salesSource(name: SalesSource): Source {
  const source = salesEtl.sources[name];
  if (!source) throw new Error(`sales_etl has no source ${name}`);
  return source;
}

/** sales_etl's output datasets, in the order the transform writes them. */
export const SALES_DATASETS = ['cleaned', 'enriched', 'daily_summary'] as const;
export type SalesDataset = (typeof SALES_DATASETS)[number];

/** sales_etl's quality suites: Part 4's `notebook` (the default) and Part 5's `pipeline`. */
export type SalesSuite = 'notebook' | 'pipeline';
export const SALES_SUITES: readonly SalesSuite[] = ['notebook', 'pipeline'];

/** The definition's suite `name`; throws when the definition has no such suite. */
export function salesSuite(name: SalesSuite): Suite {
  const suite = salesEtl.suites[name];
  if (!suite)
    throw new Error(`sales_etl has no suite ${name} (suites: ${Object.keys(salesEtl.suites).join(', ')})`);
  return suite;
}

/** `sales_etl/landing/<source>/date=…/<source>.csv`. */
export const landingKey = (source: SalesSource, date: string): string =>
  lakeKeys.landing(SALES_ETL, source, date);
/** `sales_etl/landing/<source>/date=…/<source>.meta.json`. */
export const landingMetaKey = (source: SalesSource, date: string): string =>
  lakeKeys.landingMeta(SALES_ETL, source, date);
/** `sales_etl/datasets/<dataset>/date=…/<dataset>.csv`. */
export const datasetKey = (dataset: SalesDataset, date: string): string =>
  lakeKeys.dataset(SALES_ETL, dataset, date);

/** Puts `text` as the landing object of `source` for `date`. */
export async function land(lake: DataLake, source: SalesSource, date: string, text: string): Promise<void> {
  await lake.storage.put(landingKey(source, date), text);
}

/** The sales_etl transform of `date` (run id `test` unless given). */
export function transformSales(
  lake: DataLake,
  date: string,
  options: Partial<Omit<TransformOptions, 'lake' | 'pipeline' | 'date'>> = {},
): Promise<TransformOutput> {
  return runTransform({ runId: 'test', ...options, lake, pipeline: salesEtl, date });
}

/** An output dataset's reference; fails the test (throws) when the transform did not write it. */
export function outputOf(result: TransformOutput, dataset: SalesDataset) {
  const ref = result.outputs[dataset];
  if (!ref)
    throw new Error(`the transform wrote no ${dataset} (outputs: ${Object.keys(result.outputs).join(', ')})`);
  return ref;
}

/** A CSV object as records (column → text). */
export async function readRecords(lake: DataLake, key: string): Promise<Record<string, string>[]> {
  const { header, rows } = await lake.readCsvRows(key);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] as string])));
}

/**
 * The cleaning's counts as the notebook's `clean_transactions` reported them, from the per-step
 * metrics: rows read, after `drop_duplicates`, regions filled, negative amounts removed, rows kept.
 */
export function cleanCounts(metrics: TransformOutput['metrics']) {
  const number = (step: string, counter: string) => metrics[step]?.[counter] as number;
  return {
    initial_rows: number('read', 'rows'),
    after_dedup: number('read', 'rows') - number('dedupe', 'removed'),
    null_regions_filled: number('fill_null', 'filled_region'),
    invalid_amounts_removed: number('filter', 'removed'),
    final_rows: number('write_cleaned', 'rows'),
  };
}
