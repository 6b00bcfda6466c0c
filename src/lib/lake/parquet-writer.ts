import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ParquetWriter } from 'hyparquet-writer';
import type { ColumnType, Schema } from '../definition/schema.ts';
import { InputError } from '../errors.ts';
import type { ObjectRef } from './data-lake.ts';
import { compressorsFor, type ParquetCodec, parquetElement } from './parquet-schema.ts';
import type { SinkWriter } from './parquet-sink.ts';
import {
  type Converter,
  converterFor,
  inferType,
  keepCell,
  type ParquetCell,
  type Stored,
} from './parquet-values.ts';
import type { StorageBackend } from './storage.ts';

export type { ParquetCell } from './parquet-values.ts';

/** How a {@link ParquetObjectWriter} cuts and compresses the object. */
export interface ParquetWriterOptions {
  /** Rows per row group at most. Default {@link DEFAULT_ROW_GROUP_ROWS}. */
  rowGroupRows?: number;
  /**
   * A row group is also closed once its values are estimated to hold this many bytes in memory (long
   * strings). Default {@link DEFAULT_ROW_GROUP_BYTES}.
   */
  rowGroupBytes?: number;
  /** Default ZSTD. */
  codec?: ParquetCodec;
  /**
   * Columns of the schema whose type nobody declared (a function's result): each gets its type from
   * the first row group's cells, which must be typed values (numbers, booleans, strings as text; see
   * `inferType`), and later cells must fit it. Default none.
   */
  infer?: readonly string[];
  signal?: AbortSignal;
}

/**
 * Rows per row group. Measured writing 1M rows of 8 columns with ZSTD: 64k-row groups made the
 * smallest file (4.8 MB) but peaked at 257-330 MB RSS, 32k-row groups 215-226 MB for 5.3 MB, 8k-row
 * groups under 200 MB for 8.6 MB. Through the engine (sales_etl, two Parquet datasets of 12 and 18
 * columns open at once, two transforms per worker), 32k-row groups took workers to 280 MB, 8k-row
 * ones kept them under 200 MB (docs/performance.md), for 4% more bytes. 8k rows is still a large
 * group for DuckDB's scans, which read row groups in parallel.
 */
export const DEFAULT_ROW_GROUP_ROWS = 8_192;
/** In-memory bytes of a row group's values (estimated) at which it is written even if short of rows. */
export const DEFAULT_ROW_GROUP_BYTES = 32 * 1024 * 1024;

/** Estimated heap bytes of one fixed-width value in a column array (a pointer, or a pointer to a bigint). */
const FIXED_CELL_BYTES = 16;

/**
 * Streams rows into one Parquet object with the contract of `CsvObjectWriter`: nothing is visible at
 * `key` until {@link finish}; after {@link abort} (or any error) the old object, if any, stays as it
 * was. Columns are typed from the schema (see `parquetElement`), every one nullable; rows are buffered
 * by column for the current row group only, which is encoded, compressed and written through
 * `StorageBackend.putStream` (atomic rename locally, multipart upload on S3) once it is full, so memory
 * stays flat however many rows arrive.
 */
export class ParquetObjectWriter {
  readonly header: readonly string[];
  private readonly types: ColumnType[];
  private readonly converters: Converter[];
  /** Positions of the columns typed from the first row group, until it is cut. */
  private inferring: number[];
  private readonly inferredNames: ReadonlySet<string>;
  private readonly body = new PassThrough({ highWaterMark: 1024 * 1024 });
  private readonly hash = createHash('sha256');
  private readonly done: Promise<{ bytes: number }>;
  /** Made with the Parquet writer: the libraries load on first use, not with every process. */
  private sink: SinkWriter | undefined;
  private readonly compressors: ReturnType<typeof compressorsFor>;
  private readonly codec: ParquetCodec;
  /** Created with the first row group, once every column's type is known. */
  private parquet: Promise<ParquetWriter> | undefined;
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private columns: Stored[][];
  private groupRows = 0;
  private groupBytes = 0;
  private rowCount = 0;
  private failed: unknown;
  /** The write in progress: writes run one after another, in the order they were called. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    storage: StorageBackend,
    readonly key: string,
    schema: Schema,
    options: ParquetWriterOptions = {},
  ) {
    this.header = Object.keys(schema);
    if (this.header.length === 0) throw new RangeError(`Parquet object ${key}: the schema has no columns`);
    this.types = this.header.map((name) => schema[name] as ColumnType);
    this.inferredNames = new Set(options.infer ?? []);
    this.inferring = this.header.flatMap((name, c) => (this.inferredNames.has(name) ? [c] : []));
    this.converters = this.types.map((type, c) =>
      this.inferring.includes(c) ? keepCell : converterFor(type),
    );
    this.maxRows = positive(options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS, 'rowGroupRows');
    this.maxBytes = positive(options.rowGroupBytes ?? DEFAULT_ROW_GROUP_BYTES, 'rowGroupBytes');
    this.columns = this.header.map(() => []);
    this.done = storage.putStream(key, this.body, options.signal);
    // As in CsvObjectWriter: errors reach callers through `done`; without a listener of our own, an
    // abort before the backend attached its pipeline would be an uncaught 'error' event.
    this.body.on('error', () => undefined);
    this.done.catch((error: unknown) => {
      this.failed ??= error;
    });
    this.codec = options.codec ?? 'ZSTD';
    // Loaded now (once per process), so the first row group does not wait for it.
    this.compressors = compressorsFor(this.codec);
    this.compressors.catch((error: unknown) => {
      this.failed ??= error;
    });
  }

  /** The Parquet writer, made once the columns' types are settled (at the first row group or the end). */
  private writer(): Promise<ParquetWriter> {
    this.parquet ??= Promise.all([
      this.compressors,
      import('hyparquet-writer'),
      import('./parquet-sink.ts'),
    ]).then(([compressors, { ParquetWriter }, { SinkWriter }]) => {
      this.sink = new SinkWriter((chunk) => this.push(chunk));
      return new ParquetWriter({
        writer: this.sink,
        schema: [
          { name: 'schema', num_children: this.header.length },
          ...this.header.map((name, c) => parquetElement(name, this.types[c] as ColumnType)),
        ],
        codec: this.codec,
        compressors,
        createdBy: 'lakeflow',
      });
    });
    return this.parquet;
  }

  /**
   * Settles the type of each column typed by its values, from the cells of the first row group (or
   * none: an empty dataset's such columns are strings), and converts those cells.
   */
  private settleTypes(columns: Stored[][]): void {
    for (const c of this.inferring) {
      const type = inferType(columns[c] as Stored[]);
      const convert = converterFor(type);
      this.types[c] = type;
      this.converters[c] = convert;
      const cells = columns[c] as Stored[];
      for (let i = 0; i < cells.length; i++) cells[i] = convert(cells[i] as ParquetCell);
    }
    this.inferring = [];
  }

  /** Rows written so far (buffered ones included). */
  get rows(): number {
    return this.rowCount;
  }

  /**
   * Appends rows, each a cell per column in the schema's order: typed values (numbers, booleans, null;
   * date-times as text) or text as CSV holds it, converted by the column's type. The rows are converted
   * before this returns, so the caller may reuse or drop them right away; the promise resolves once a
   * row group they completed has been handed to the backend. Cells past the schema's columns are
   * ignored: the engine's rows also hold the columns later steps append. `columns[c]`, when given,
   * holds column `c`'s cells for these rows in place of the rows' own (typed values a step computed).
   * @throws InputError `INVALID_VALUE` for a cell its column's type cannot hold (the row is counted
   * from 1 over the whole object), after which the writer can only be aborted
   */
  write(
    rows: readonly (readonly ParquetCell[])[],
    columns?: readonly (readonly ParquetCell[] | undefined)[],
  ): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    try {
      for (let i = 0; i < rows.length; i++) this.append(rows[i] as readonly ParquetCell[], columns, i);
    } catch (error) {
      this.failed ??= error;
      return Promise.reject(error);
    }
    return this.settled();
  }

  private append(
    row: readonly ParquetCell[],
    columns: readonly (readonly ParquetCell[] | undefined)[] | undefined,
    i: number,
  ): void {
    const width = this.header.length;
    const at = this.rowCount + 1;
    if (row.length < width) {
      throw new InputError(`a row has ${row.length} cells, the schema ${width} columns`, {
        code: 'INVALID_VALUE',
        location: { key: this.key, row: at },
      });
    }
    for (let c = 0; c < width; c++) {
      const given = columns?.[c];
      const cell = given === undefined ? row[c] : given[i];
      let value: Stored;
      try {
        value = (this.converters[c] as Converter)(cell);
      } catch (error) {
        const typed = this.inferring.length === 0 && this.inferredNames.has(this.header[c] as string);
        const why = typed ? ` (the column was typed ${this.types[c]} from its first row group's values)` : '';
        throw new InputError(`${(error as Error).message}: ${JSON.stringify(String(cell))}${why}`, {
          code: 'INVALID_VALUE',
          location: { key: this.key, row: at, column: this.header[c] as string },
        });
      }
      (this.columns[c] as Stored[]).push(value);
      this.groupBytes += typeof value === 'string' ? 2 * value.length + FIXED_CELL_BYTES : FIXED_CELL_BYTES;
    }
    this.rowCount++;
    this.groupRows++;
    if (this.groupRows >= this.maxRows || this.groupBytes >= this.maxBytes) this.cutGroup();
  }

  /**
   * Closes the row group being filled and queues its encoding: a group is cut the moment it is full,
   * so none is ever larger than the bounds, whatever the size of the batches written.
   */
  private cutGroup(): void {
    if (this.groupRows === 0) return;
    const columns = this.columns;
    const size = this.groupRows;
    this.columns = this.header.map(() => []);
    this.groupRows = 0;
    this.groupBytes = 0;
    if (this.inferring.length > 0) this.settleTypes(columns);
    this.queueStep(async () => {
      const parquet = await this.writer();
      await parquet.write({
        // No min/max statistics for text: hyparquet-writer encodes every string again to compare it
        // (a tenth of the write's time), and engines prune row groups by numbers and times, which keep theirs.
        columnData: this.header.map((name, c) => ({
          name,
          data: columns[c] as Stored[],
          ...(this.types[c] === 'string' ? { statistics: false } : {}),
        })),
        rowGroupSize: size,
      });
    });
  }

  /** Runs `step` after the steps queued before it, unless the writer has failed; never rejects. */
  private queueStep(step: () => Promise<void>): void {
    this.queue = this.queue
      .then(() => (this.failed ? undefined : step()))
      .catch((error: unknown) => {
        this.failed ??= error;
      });
  }

  /** Resolves once every queued step has run; rejects with the writer's failure, if any. */
  private async settled(): Promise<void> {
    await this.queue;
    if (this.failed) throw this.failed;
  }

  private push(chunk: Buffer): Promise<void> | undefined {
    this.hash.update(chunk);
    if (this.failed) throw this.failed;
    if (this.body.write(chunk)) return undefined;
    // `once` rejects if the body errors (the backend failed) while we wait for it to drain.
    return once(this.body, 'drain').then(() => undefined);
  }

  /** Writes the last row group and the footer, ends the object and puts it in place. */
  async finish(): Promise<ObjectRef> {
    if (this.failed) throw this.failed;
    this.cutGroup();
    if (this.inferring.length > 0) this.settleTypes(this.columns);
    this.queueStep(async () => {
      await (await this.writer()).finish();
      await this.sink?.drain();
    });
    await this.settled();
    this.body.end();
    const { bytes } = await this.done;
    return { key: this.key, rows: this.rowCount, bytes, sha256: this.hash.digest('hex') };
  }

  /** Drops everything written so far; the key keeps its old object (or none). */
  async abort(reason: unknown = new Error('write aborted')): Promise<void> {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    this.failed ??= error;
    this.columns = this.header.map(() => []);
    this.body.destroy(error);
    await this.done.catch(() => undefined);
    await this.queue;
  }
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
