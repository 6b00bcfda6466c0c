import type { ErrorLocation } from '../errors.ts';
import type { RowBatch } from './csv.ts';
import { readCsv } from './csv-reader.ts';
import type { DataLake } from './data-lake.ts';
import type { DatasetFormat } from './keys.ts';
import { readParquetObject } from './parquet-reader.ts';

/** How {@link openDataset} reads an object. */
export interface OpenDatasetOptions {
  /** Picks the columns whose values are needed, given the header; the others hold `''`. Default all. */
  columns?: (header: readonly string[]) => Iterable<number>;
  /** Rows per batch. Default `DEFAULT_BATCH` (lake/csv.ts). */
  batchSize?: number;
  /** Named in error messages, beside the key. */
  location?: ErrorLocation;
  /** Cells to reserve in each row, given the header (default its width). */
  rowCapacity?: (header: readonly string[]) => number;
}

/** A dataset (or landing) object opened for streaming, whatever its format. */
export interface OpenedDataset {
  header: string[];
  /** The rows as text, as the CSV writer would have written them; one batch at a time. */
  batches: AsyncIterable<RowBatch>;
  /**
   * Releases the object when its batches are not read to the end (reading them to the end, or
   * stopping early with `break`, does it too). Safe to call more than once.
   */
  close(): void;
}

/** The format of an object, from its key's extension: `.parquet` is Parquet, anything else CSV. */
export function formatOfKey(key: string): DatasetFormat {
  return key.toLowerCase().endsWith('.parquet') ? 'parquet' : 'csv';
}

/**
 * Opens a lake object for reading as text rows, CSV or Parquet by its key's extension, so a step that
 * reads datasets reads either the same way. A Parquet object is read one row group at a time, and its
 * values become the text the CSV writer writes for them: numbers as `formatNumber` (pandas' floats,
 * integers without a fraction), booleans `true`/`false`, dates `YYYY-MM-DD`, date-times `YYYY-MM-DD
 * HH:MM:SS[.ffffff]`, null as `''`. A dataset the engine wrote therefore reads the same in either
 * format, and every quality check gives the same result over it.
 * @throws StorageError `NOT_FOUND` for a missing object (as `StorageBackend.getStream`); InputError for
 * an object that is not readable CSV (`readCsv`'s codes) or Parquet (`MALFORMED_PARQUET`)
 */
export async function openDataset(
  lake: DataLake,
  key: string,
  options: OpenDatasetOptions = {},
): Promise<OpenedDataset> {
  const location: ErrorLocation = { ...options.location, key };
  const read = {
    location,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.columns ? { columns: options.columns } : {}),
    ...(options.rowCapacity ? { rowCapacity: options.rowCapacity } : {}),
  };
  if (formatOfKey(key) === 'parquet') {
    const table = await readParquetObject(lake.storage, key, read);
    return { header: table.header, batches: table.batches, close: () => void table.close() };
  }
  const stream = await lake.storage.getStream(key);
  try {
    const table = await readCsv(stream, read);
    return { header: table.header, batches: table.batches, close: () => void stream.destroy() };
  } catch (error) {
    stream.destroy();
    throw error;
  }
}
