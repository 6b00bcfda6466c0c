import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InputError, PipelineError } from '../errors.ts';
import type { CsvTable, RowBatch } from '../lake/csv.ts';
import { type ReadCsvOptions, readCsv } from '../lake/csv-reader.ts';
import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { dateOfKey, lakeKeys } from '../lake/keys.ts';

/** A landing object opened for streaming; `ref` is valid once every batch has been read. */
export interface LandingInput extends CsvTable {
  key: string;
  /** The object as a run record refers to it; `rowsRead` is used when no `.meta.json` says otherwise. */
  ref(rowsRead: number): ObjectRef;
  /** Releases the underlying stream (safe to call at any time, more than once). */
  close(): void;
}

/** The `.meta.json` that ingestion writes beside a landing object. */
export const metaKeyOf = (key: string): string =>
  `${key.endsWith('.csv') ? key.slice(0, -4) : key}.meta.json`;

/**
 * The landing object of `source`'s latest snapshot at or before `date`: the greatest `date=`
 * partition not after the run date (so a re-run of an old date sees the dimensions of its day).
 * @throws InputError `MISSING_INPUT` when there is none, `AMBIGUOUS_INPUT` when the partition holds
 * several CSV objects and none has the standard name
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
    const keyDate = key.endsWith('.csv') ? dateOfKey(key) : undefined;
    if (keyDate !== undefined && keyDate <= date && (best === undefined || keyDate > best)) best = keyDate;
  }
  if (best === undefined) {
    throw new InputError(`no ${source} landing snapshot at or before ${date}`, {
      code: 'MISSING_INPUT',
      location: { source, key: lakeKeys.landingPrefix(pipeline, source) },
    });
  }
  const standard = lakeKeys.landing(pipeline, source, best);
  if (keys.includes(standard)) return standard;
  const inPartition = keys.filter((key) => key.endsWith('.csv') && dateOfKey(key) === best);
  if (inPartition.length === 1) return inPartition[0] as string;
  throw new InputError(`several ${source} snapshots for ${best}: ${inPartition.join(', ')}`, {
    code: 'AMBIGUOUS_INPUT',
    location: { source },
  });
}

/**
 * Opens a landing CSV for streaming. Its row count, size and checksum come from the `.meta.json`
 * beside it when that is present and well-formed; otherwise they are computed from the bytes read.
 * @throws InputError `MISSING_INPUT` when the object does not exist; CSV errors as `readCsv`
 */
export async function openLanding(
  lake: DataLake,
  key: string,
  source: string,
  date: string,
  options: Pick<ReadCsvOptions, 'batchSize' | 'rowCapacity'> = {},
): Promise<LandingInput> {
  const meta = await readMeta(lake, metaKeyOf(key));
  let stream: Readable;
  try {
    stream = await lake.storage.getStream(key);
  } catch (error) {
    if (error instanceof PipelineError && error.code === 'NOT_FOUND') {
      throw new InputError(`no ${source} landing object for ${date}`, {
        code: 'MISSING_INPUT',
        cause: error,
        location: { source, key },
      });
    }
    throw error;
  }
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
