import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InputError, PipelineError } from '../errors.ts';
import type { CsvTable, RowBatch } from '../lake/csv.ts';
import { type ReadCsvOptions, readCsv } from '../lake/csv-reader.ts';
import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { formatOfKey, openDataset } from '../lake/dataset-reader.ts';
import { DATASET_FORMATS, dateOfKey, lakeKeys } from '../lake/keys.ts';

/** A landing object opened for streaming; `ref` is valid once every batch has been read. */
export interface LandingInput extends CsvTable {
  key: string;
  /** The object as a run record refers to it; `rowsRead` is used when no `.meta.json` says otherwise. */
  ref(rowsRead: number): ObjectRef;
  /** Releases the underlying stream (safe to call at any time, more than once). */
  close(): void;
}

/** The `.meta.json` that ingestion writes beside a landing object (`x.csv` or `x.parquet` → `x.meta.json`). */
export const metaKeyOf = (key: string): string => `${key.replace(/\.(csv|parquet)$/, '')}.meta.json`;

/** Whether a key is a landing snapshot's data object, in either format. */
const isSnapshot = (key: string): boolean => key.endsWith('.csv') || key.endsWith('.parquet');

/**
 * The landing object of `source` for exactly `date`: the CSV one, else the Parquet one if that is the
 * one there (the key of the CSV one when neither is, for the caller's `MISSING_INPUT`).
 */
export async function landingKeyOf(
  lake: DataLake,
  pipeline: string,
  source: string,
  date: string,
): Promise<string> {
  const csv = lakeKeys.landing(pipeline, source, date);
  if (await lake.storage.exists(csv)) return csv;
  const parquet = lakeKeys.landing(pipeline, source, date, 'parquet');
  return (await lake.storage.exists(parquet)) ? parquet : csv;
}

/**
 * The landing object of `source`'s latest snapshot at or before `date`: the greatest `date=`
 * partition not after the run date (so a re-run of an old date sees the dimensions of its day), in
 * either format (CSV, or Parquet when the source's input was Parquet).
 * @throws InputError `MISSING_INPUT` when there is none, `AMBIGUOUS_INPUT` when the partition holds
 * several data objects and none has a standard name
 */
export async function latestSnapshotKey(
  lake: DataLake,
  pipeline: string,
  source: string,
  date: string,
): Promise<string> {
  const keys = await lake.storage.list(lakeKeys.landingPrefix(pipeline, source));
  let best: string | undefined;
  for (const key of keys) {
    const keyDate = isSnapshot(key) ? dateOfKey(key) : undefined;
    if (keyDate !== undefined && keyDate <= date && (best === undefined || keyDate > best)) best = keyDate;
  }
  if (best === undefined) {
    throw new InputError(`no ${source} landing snapshot at or before ${date}`, {
      code: 'MISSING_INPUT',
      location: { source, key: lakeKeys.landingPrefix(pipeline, source) },
    });
  }
  const standard = DATASET_FORMATS.map((format) =>
    lakeKeys.landing(pipeline, source, best as string, format),
  );
  const standardFound = standard.filter((key) => keys.includes(key));
  if (standardFound.length === 1) return standardFound[0] as string;
  const inPartition = keys.filter((key) => isSnapshot(key) && dateOfKey(key) === best);
  if (inPartition.length === 1) return inPartition[0] as string;
  throw new InputError(`several ${source} snapshots for ${best}: ${inPartition.join(', ')}`, {
    code: 'AMBIGUOUS_INPUT',
    location: { source },
  });
}

/**
 * Opens a landing object for streaming, CSV or Parquet by its extension (Parquet one row group at a
 * time, as text: see `openDataset`). Its row count, size and checksum come from the `.meta.json`
 * beside it when that is present and well-formed; otherwise they are computed from the bytes read
 * (for Parquet, in a pass over the object before its rows are read).
 * @throws InputError `MISSING_INPUT` when the object does not exist; CSV errors as `readCsv`,
 * `MALFORMED_PARQUET`
 */
export async function openLanding(
  lake: DataLake,
  key: string,
  source: string,
  date: string,
  options: Pick<ReadCsvOptions, 'batchSize' | 'rowCapacity'> = {},
): Promise<LandingInput> {
  const meta = await readMeta(lake, metaKeyOf(key));
  if (formatOfKey(key) === 'parquet') return openParquetLanding(lake, key, source, date, meta, options);
  const stream = await lake.storage.getStream(key).catch(missingInput(source, date, key));
  const counted = { bytes: 0, hash: meta ? undefined : createHash('sha256') };
  const close = () => stream.destroy();
  try {
    const input = meta ? stream : hashing(stream, counted as { bytes: number; hash: Hash });
    const table = await readCsv(input, {
      location: { source, key },
      ...options,
    });
    return {
      key,
      header: table.header,
      batches: table.batches as AsyncIterable<RowBatch>,
      close,
      ref: (rowsRead) =>
        meta
          ? { key, ...meta }
          : { key, rows: rowsRead, bytes: counted.bytes, sha256: (counted.hash as Hash).digest('hex') },
    };
  } catch (error) {
    close();
    throw error;
  }
}

async function openParquetLanding(
  lake: DataLake,
  key: string,
  source: string,
  date: string,
  meta: Omit<ObjectRef, 'key'> | undefined,
  options: Pick<ReadCsvOptions, 'batchSize' | 'rowCapacity'>,
): Promise<LandingInput> {
  const missing = missingInput(source, date, key);
  let counted: { bytes: number; sha256: string } | undefined;
  if (!meta) {
    // Parquet is read by ranges, not as one stream: its bytes are hashed in a pass of their own.
    const hash = createHash('sha256');
    let bytes = 0;
    const stream = await lake.storage.getStream(key).catch(missing);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      hash.update(chunk);
    }
    counted = { bytes, sha256: hash.digest('hex') };
  }
  const table = await openDataset(lake, key, { location: { source }, ...options }).catch(missing);
  return {
    key,
    header: table.header,
    batches: table.batches,
    close: table.close,
    ref: (rowsRead) =>
      meta ? { key, ...meta } : { key, rows: rowsRead, ...(counted as { bytes: number; sha256: string }) },
  };
}

/** Rethrows a storage error, a missing object as `MISSING_INPUT` naming the source and date. */
function missingInput(source: string, date: string, key: string) {
  return (error: unknown): never => {
    if (error instanceof PipelineError && error.code === 'NOT_FOUND') {
      throw new InputError(`no ${source} landing object for ${date}`, {
        code: 'MISSING_INPUT',
        cause: error,
        location: { source, key },
      });
    }
    throw error;
  };
}

async function* hashing(stream: Readable, into: { bytes: number; hash: Hash }): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    into.bytes += chunk.length;
    into.hash.update(chunk);
    yield chunk;
  }
}

/** Reads the rows/bytes/sha256 of a landing `.meta.json`; undefined when absent or not usable. */
async function readMeta(lake: DataLake, metaKey: string): Promise<Omit<ObjectRef, 'key'> | undefined> {
  let meta: Record<string, unknown>;
  try {
    meta = await lake.readJson<Record<string, unknown>>(metaKey);
  } catch (error) {
    // A missing or unreadable meta file only costs us a checksum pass; other storage errors are real.
    if (error instanceof PipelineError && (error.code === 'NOT_FOUND' || error.code === 'MALFORMED_JSON')) {
      return undefined;
    }
    throw error;
  }
  const rows = meta?.rowCount ?? meta?.rows;
  const { bytes, sha256 } = meta ?? {};
  const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
  if (!isCount(rows) || !isCount(bytes) || typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    return undefined;
  }
  return { rows, bytes, sha256 };
}
