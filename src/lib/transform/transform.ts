import { PipelineError } from '../errors.ts';
import { formatCsvLine, type RowBatch } from '../lake/csv.ts';
import type { CsvObjectWriter, DataLake, ObjectRef } from '../lake/data-lake.ts';
import { assertIsoDate, lakeKeys } from '../lake/keys.ts';
import type { TransformResult } from '../pipeline/jobs.ts';
import type { SourceName } from '../sources/definitions.ts';
import { TransactionCleaner } from './clean.ts';
import {
  assertNoReservedColumns,
  columnIndices,
  DERIVED_COLUMNS,
  ENRICH_COLUMNS,
  SUMMARY_COLUMNS,
  TRANSACTION_INPUT,
} from './columns.ts';
import { buildCustomerTable, buildProductTable } from './dimensions.ts';
import { TransactionEnricher } from './enrich.ts';
import { type LandingInput, latestSnapshotKey, openLanding } from './landing.ts';
import { DailySummary } from './summary.ts';

/** Progress of a transform, reported once per batch. */
export interface TransformProgress {
  stage: 'dimensions' | 'transactions' | 'summary';
  /** Rows read so far in this stage. */
  rows: number;
}

/** What {@link transformDate} needs. */
export interface TransformOptions {
  lake: DataLake;
  runId: string;
  /** The run's date, `YYYY-MM-DD`: the transactions of this date are transformed. */
  date: string;
  /** Landing objects to read instead of the standard ones (transactions of the date, latest dimensions). */
  landingKeys?: Partial<Record<SourceName, string>>;
  signal?: AbortSignal;
  onProgress?: (progress: TransformProgress) => void;
  /** Rows per transaction batch (default 512); memory is bounded by it, results do not depend on it. */
  batchSize?: number;
}

/**
 * Cleans, enriches and summarises one date's transactions with the seed's pandas semantics, streaming:
 * the transactions pass once, batch by batch, through two CSV writers (cleaned, enriched) while the
 * daily summary accumulates; the dimensions (latest snapshot at or before the date) are held as maps.
 * Nothing of the date changes unless everything succeeds: writers are aborted on any error, and only
 * finished once every row has been processed.
 * @throws InputError for missing or unusable input (`MISSING_INPUT`, `MISSING_COLUMN`, `DUPLICATE_KEY`,
 * `INVALID_NUMBER`, `INVALID_TIMESTAMP`, …); StorageError from the lake; the signal's reason on abort
 */
export async function transformDate(options: TransformOptions): Promise<TransformResult> {
  const { lake, signal, onProgress } = options;
  const date = assertIsoDate(options.date);
  signal?.throwIfAborted();
  const keys = await resolveKeys(lake, date, options.landingKeys);

  // The transactions object opens (metadata, stream, header) while the dimension tables load; an error
  // of the dimensions is reported first, as when they were read first, once that object is closed (a
  // failed step leaves nothing open behind it).
  const opening = openLanding(lake, keys.transactions, 'transactions', date, options.batchSize);
  opening.catch(() => undefined); // awaited below; observed now so an early rejection is not unhandled
  let dimensions: Awaited<ReturnType<typeof loadDimensions>>;
  try {
    dimensions = await loadDimensions(lake, keys, date);
  } catch (error) {
    await opening.then(
      (input) => input.close(),
      () => undefined,
    );
    throw error;
  }
  const { refs, rowsRead, customerTable, productTable } = dimensions;
  onProgress?.({ stage: 'dimensions', rows: rowsRead });

  const transactions = await opening;
  const writers: CsvObjectWriter[] = [];
  try {
    const col = columnIndices(transactions.header, TRANSACTION_INPUT, keys.transactions);
    assertNoReservedColumns(transactions.header, keys.transactions);
    const cleanedHeader = [...transactions.header, ...DERIVED_COLUMNS];
    const cleanedWriter = lake.openCsvWriter(lakeKeys.cleaned(date), cleanedHeader, signal);
    writers.push(cleanedWriter);
    const enrichedWriter = lake.openCsvWriter(
      lakeKeys.enriched(date),
      [...cleanedHeader, ...ENRICH_COLUMNS],
      signal,
    );
    writers.push(enrichedWriter);

    const cleaner = new TransactionCleaner(col, keys.transactions);
    const summary = new DailySummary(customerTable.rows);
    const enricher = new TransactionEnricher(col, customerTable, productTable, summary);
    for await (const batch of transactions.batches) {
      signal?.throwIfAborted();
      await transformBatch(batch, cleaner, enricher, cleanedWriter, enrichedWriter);
      onProgress?.({ stage: 'transactions', rows: cleaner.metrics.initial_rows });
    }
    cleaner.release();

    const summaryRows = summary.rows();
    const summaryWriter = lake.openCsvWriter(lakeKeys.dailySummary(date), SUMMARY_COLUMNS, signal);
    writers.push(summaryWriter);
    await summaryWriter.write(summaryRows);
    signal?.throwIfAborted();
    onProgress?.({ stage: 'summary', rows: summaryRows.length });

    // The seed's merges fan out on duplicate keys; ours cannot (keys are unique), and this says so
    // before anything is put in place.
    if (enricher.rows !== cleaner.metrics.final_rows) {
      throw new PipelineError(
        `enrichment changed the row count: ${cleaner.metrics.final_rows} cleaned, ${enricher.rows} enriched`,
        { code: 'ROW_COUNT_MISMATCH' },
      );
    }
    const [cleaned, enriched, summaryRef] = await finishAll(writers);
    return {
      inputs: [transactions.ref(cleaner.metrics.initial_rows), ...refs],
      outputs: { cleaned, enriched, summary: summaryRef },
      metrics: {
        clean: { ...cleaner.metrics },
        enrich: { ...enricher.metrics },
        aggregate: { ...summary.metrics() },
      },
    };
  } catch (error) {
    await Promise.all(writers.map((writer) => writer.abort(error)));
    throw error;
  } finally {
    transactions.close();
  }
}

/**
 * Cleans and enriches one batch and hands its lines to the writers, all before returning; the promise
 * is the writers' backpressure. Each row is formatted once: its cleaned line is written, then extended
 * into its enriched line. (A plain function, so no suspended frame keeps the lines while waiting.)
 */
function transformBatch(
  batch: RowBatch,
  cleaner: TransactionCleaner,
  enricher: TransactionEnricher,
  cleanedWriter: CsvObjectWriter,
  enrichedWriter: CsvObjectWriter,
): Promise<unknown> {
  const kept = cleaner.cleanBatch(batch);
  const lines = new Array<string>(kept);
  const { derived } = cleaner;
  for (let i = 0; i < kept; i++) lines[i] = `${formatCsvLine(batch[i] as string[])},${derived[i]}`;
  const cleaned = cleanedWriter.writeLines(lines);
  enricher.enrichBatch(batch, kept, cleaner, lines);
  return Promise.all([cleaned, enrichedWriter.writeLines(lines)]);
}

async function resolveKeys(
  lake: DataLake,
  date: string,
  given: Partial<Record<SourceName, string>> = {},
): Promise<Record<SourceName, string>> {
  const [customers, products] = await Promise.all([
    given.customers ?? latestSnapshotKey(lake, 'customers', date),
    given.products ?? latestSnapshotKey(lake, 'products', date),
  ]);
  return { transactions: given.transactions ?? lakeKeys.landing('transactions', date), customers, products };
}

/**
 * Reads both dimension objects and keys them for the joins. Only the keyed tables are kept: the rows
 * read would otherwise stay alive (and be marked by every full collection) for the whole transform.
 */
async function loadDimensions(lake: DataLake, keys: Record<SourceName, string>, date: string) {
  const [customers, products] = await Promise.all([
    readDimension(lake, keys.customers, 'customers', date),
    readDimension(lake, keys.products, 'products', date),
  ]);
  return {
    refs: [customers.ref, products.ref] as const,
    rowsRead: customers.rows.length + products.rows.length,
    customerTable: buildCustomerTable(customers.header, customers.rows, keys.customers),
    productTable: buildProductTable(products.header, products.rows, keys.products),
  };
}

/** Reads a (small) dimension object whole, keeping its reference. */
async function readDimension(lake: DataLake, key: string, source: SourceName, date: string) {
  const input: LandingInput = await openLanding(lake, key, source, date);
  try {
    const rows: string[][] = [];
    for await (const batch of input.batches) for (const row of batch) rows.push(row);
    return { header: input.header, rows, ref: input.ref(rows.length) };
  } finally {
    input.close();
  }
}

/**
 * Puts every output in place. The data is complete by now, so this only fails on storage errors; the
 * outputs still unfinished are then dropped (each object is atomic on its own).
 */
async function finishAll(writers: CsvObjectWriter[]): Promise<[ObjectRef, ObjectRef, ObjectRef]> {
  const settled = await Promise.allSettled(writers.map((writer) => writer.finish()));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((result) => (result as PromiseFulfilledResult<ObjectRef>).value) as [
    ObjectRef,
    ObjectRef,
    ObjectRef,
  ];
}
