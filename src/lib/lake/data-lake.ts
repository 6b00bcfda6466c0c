import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Schema } from '../definition/schema.ts';
import { type ErrorLocation, InputError } from '../errors.ts';
import { type CsvTable, formatCsvLine, joinCsvLines, type RowBatch } from './csv.ts';
import { type ReadCsvOptions, readCsv } from './csv-reader.ts';
import { ParquetObjectWriter, type ParquetWriterOptions } from './parquet-writer.ts';
import type { StorageBackend } from './storage.ts';

/** A written object as jobs and run records refer to it: never rows, only where and what. */
export interface ObjectRef {
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * Streams CSV rows into one lake object. Nothing is visible at `key` until {@link finish}; after
 * {@link abort} (or any error) the old object, if any, stays as it was.
 */
export class CsvObjectWriter {
  // A few batches of buffering: enough to keep the disk busy, little enough to stay small.
  private readonly body = new PassThrough({ highWaterMark: 256 * 1024 });
  private readonly hash = createHash('sha256');
  private readonly done: Promise<{ bytes: number }>;
  private rowCount = 0;
  private failed: unknown;

  constructor(
    storage: StorageBackend,
    readonly key: string,
    header: readonly string[],
    signal?: AbortSignal,
  ) {
    this.done = storage.putStream(key, this.body, signal);
    // Errors reach callers through `done`. Without a listener of our own, an abort that comes before
    // the backend has attached its pipeline to the body (it first creates directories or an upload)
    // would be an uncaught 'error' event, which ends the worker process.
    this.body.on('error', () => undefined);
    // Keep the rejection observed; it is rethrown from write/finish.
    this.done.catch((error: unknown) => {
      this.failed = error;
    });
    this.push(joinCsvLines([formatCsvLine(header)]));
  }

  /**
   * Appends rows; the promise resolves at once, or when the backend has caught up with the producer.
   * The rows are formatted before this returns, so the caller may reuse or drop them right away.
   */
  write(rows: RowBatch): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.writeLines(rows.map((row) => formatCsvLine(row)));
  }

  /**
   * Appends rows already formatted as CSV lines (see `formatCsvLine`), one row per line, without line
   * endings: for writers that build a line from parts they formatted once for another object. The
   * lines are encoded before this returns: nothing holds them while the caller waits for the backend
   * (a batch held across that wait outlives young-generation collections and gets promoted).
   */
  writeLines(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    this.rowCount += lines.length;
    if (this.failed) return Promise.reject(this.failed);
    if (this.push(joinCsvLines(lines))) return Promise.resolve();
    // `once` rejects if the body errors (the backend failed) while we wait for it to drain.
    return once(this.body, 'drain').then(() => undefined);
  }

  private push(text: string): boolean {
    // Encoded once, then hashed and written as bytes: hashing the string would encode it (and flatten
    // it) a second time, and a batch is one update instead of one per row.
    const bytes = Buffer.from(text, 'utf8');
    this.hash.update(bytes);
    return this.body.write(bytes);
  }

  /** Ends the object and puts it in place. */
  async finish(): Promise<ObjectRef> {
    this.body.end();
    const { bytes } = await this.done;
    return { key: this.key, rows: this.rowCount, bytes, sha256: this.hash.digest('hex') };
  }

  /** Drops everything written so far; the key keeps its old object (or none). */
  async abort(reason: unknown = new Error('write aborted')): Promise<void> {
    this.body.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    await this.done.catch(() => undefined);
  }
}

/** The lake's formats on top of a {@link StorageBackend}: CSV (streamed), JSON documents. */
export class DataLake {
  constructor(readonly storage: StorageBackend) {}

  /** Streams a CSV object with `readCsv` (lake/csv-reader.ts), its key named in errors. */
  async readCsv(key: string, options: ReadCsvOptions = {}): Promise<CsvTable> {
    const stream = await this.storage.getStream(key);
    return readCsv(stream, { ...options, location: { key, ...options.location } });
  }

  /** Reads a whole (small) CSV object into memory: dimension tables, fixtures. */
  async readCsvRows(
    key: string,
    options: ReadCsvOptions = {},
  ): Promise<{ header: string[]; rows: string[][] }> {
    const table = await this.readCsv(key, options);
    const rows: string[][] = [];
    for await (const batch of table.batches) for (const row of batch) rows.push(row);
    return { header: table.header, rows };
  }

  /** Opens a streaming, atomic CSV writer. */
  openCsvWriter(key: string, header: readonly string[], signal?: AbortSignal): CsvObjectWriter {
    return new CsvObjectWriter(this.storage, key, header, signal);
  }

  /**
   * Opens a streaming, atomic Parquet writer with a column per schema entry, typed by it (see
   * `ParquetObjectWriter`; row groups of `DEFAULT_ROW_GROUP_ROWS`, ZSTD, unless `options` say otherwise).
   */
  openParquetWriter(
    key: string,
    schema: Schema,
    signal?: AbortSignal,
    options: Omit<ParquetWriterOptions, 'signal'> = {},
  ): ParquetObjectWriter {
    return new ParquetObjectWriter(this.storage, key, schema, { ...options, ...(signal ? { signal } : {}) });
  }

  /** Writes a small CSV object at once. */
  async writeCsv(key: string, header: readonly string[], rows: RowBatch): Promise<ObjectRef> {
    const writer = this.openCsvWriter(key, header);
    try {
      await writer.write(rows);
      return await writer.finish();
    } catch (error) {
      await writer.abort(error);
      throw error;
    }
  }

  /** Writes a JSON document (metadata, reports, run records), pretty-printed for people. */
  async writeJson(key: string, value: unknown): Promise<ObjectRef> {
    const text = `${JSON.stringify(value, null, 2)}\n`;
    const { bytes } = await this.storage.put(key, text);
    return { key, rows: 0, bytes, sha256: sha256(text) };
  }

  /** Reads a JSON document; a parse failure names the key. */
  async readJson<T = unknown>(key: string, location: ErrorLocation = {}): Promise<T> {
    const text = (await this.storage.get(key)).toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new InputError(`not valid JSON: ${(error as Error).message}`, {
        code: 'MALFORMED_JSON',
        cause: error,
        location: { key, ...location },
      });
    }
  }
}

/** Hex SHA-256 of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
