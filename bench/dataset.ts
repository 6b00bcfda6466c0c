import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import salesEtl from '../pipelines/sales_etl/pipeline.ts';
import { generateTable } from '../src/lib/ingest/generate.ts';
import { formatCsvRows } from '../src/lib/lake/csv.ts';

/** The bench runs the repository's notebook pipeline, sales_etl; these are its sources. */
type SourceName = 'transactions' | 'customers' | 'products';

/** The bench's input: CSV files on disk, as a user would hand them over. */
export interface Dataset {
  dir: string;
  rows: number;
  dates: string[];
  /** Transactions per date, in `dates` order. */
  rowsPerDate: number[];
  transactions: Record<string, string>;
  customers: string;
  products: string;
  /** Customers in the customers file. */
  customerRows: number;
}

/** What an input is made of; the cache directory is keyed by all of it. */
export interface DatasetSpec {
  rows: number;
  dates: number;
  seed: number;
  customers: number;
  /** First date, `YYYY-MM-DD`. */
  start?: string;
}

const DAY_MS = 86_400_000;

/** The dates of a backfill: `count` consecutive days from `start`. */
export function datesFrom(start: string, count: number): string[] {
  const first = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(first + i * DAY_MS).toISOString().slice(0, 10));
}

/**
 * Generates the input (or reuses it from `.bench/`): per date a transactions file from sales_etl's own
 * seeded generator (with its default defects: duplicates, negative amounts, null regions, messy
 * product names), one customers file and one products file. A manifest written last marks it complete,
 * so an interrupted generation is redone, not reused.
 */
export async function ensureDataset(root: string, spec: DatasetSpec): Promise<Dataset> {
  const start = spec.start ?? '2024-01-01';
  const dir = path.join(root, `data-r${spec.rows}-d${spec.dates}-c${spec.customers}-s${spec.seed}-${start}`);
  const manifestPath = path.join(dir, 'manifest.json');
  try {
    return JSON.parse(await readFile(manifestPath, 'utf8')) as Dataset;
  } catch {
    // not generated yet (or incomplete): generate below
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const dates = datesFrom(start, spec.dates);
  const base = Math.floor(spec.rows / spec.dates);
  const rowsPerDate = dates.map((_, i) => base + (i < spec.rows % spec.dates ? 1 : 0));
  const transactions: Record<string, string> = {};
  for (const [i, date] of dates.entries()) {
    const file = path.join(dir, `transactions-${date}.csv`);
    await writeSource(file, 'transactions', { date, records: rowsPerDate[i] as number, seed: spec.seed });
    transactions[date] = file;
  }
  const customers = path.join(dir, 'customers.csv');
  await writeSource(customers, 'customers', { date: start, records: spec.customers, seed: spec.seed });
  const products = path.join(dir, 'products.csv');
  await writeSource(products, 'products', { date: start, seed: spec.seed });
  const dataset: Dataset = {
    dir,
    rows: spec.rows,
    dates,
    rowsPerDate,
    transactions,
    customers,
    products,
    customerRows: spec.customers,
  };
  await writeFile(`${manifestPath}.tmp`, JSON.stringify(dataset, null, 2));
  await rename(`${manifestPath}.tmp`, manifestPath);
  return dataset;
}

async function writeSource(
  file: string,
  source: SourceName,
  options: { date: string; records?: number; seed: number },
): Promise<void> {
  const definition = salesEtl.sources[source];
  if (!definition) throw new Error(`sales_etl has no source ${source}`);
  const table = generateTable(source, definition, { ...options, batchSize: 8192 });
  const out = createWriteStream(file, { highWaterMark: 1024 * 1024 });
  out.write(formatCsvRows([table.header]));
  for await (const batch of table.batches) {
    if (!out.write(formatCsvRows(batch))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
