import type { FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';
import type { ColumnType, Schema } from '../definition/schema.ts';
import { type ErrorLocation, InputError } from '../errors.ts';
import { formatDate, formatNumber, formatTimestamp } from '../sources/values.ts';
import { assertUniqueColumns, type CsvTable, DEFAULT_BATCH, type RowBatch } from './csv.ts';
import { LocalStorage } from './local-storage.ts';
import { columnTypeOf, DAY_MS } from './parquet-schema.ts';
import { openLocal, type ParquetSource, spool } from './parquet-source.ts';
import type { StorageBackend } from './storage.ts';

export type { ParquetSource } from './parquet-source.ts';

/** How {@link readParquet} reads a table; the options of `readCsv` that apply to Parquet. */
export interface ReadParquetOptions {
  /** Named in error messages. */
  location?: ErrorLocation;
  /** Rows per batch. Default {@link DEFAULT_BATCH}. */
  batchSize?: number;
  /** Picks the columns whose values are needed, given the header; the others are not read and hold `''`. */
  columns?: (header: readonly string[]) => Iterable<number>;
  /** Cells to reserve in each row, given the header (default its width), as `readCsv` does. */
  rowCapacity?: (header: readonly string[]) => number;
}

/**
 * A Parquet table being read: the header and batches of text rows as `readCsv` gives them (so a step
 * that reads CSV reads Parquet the same way), plus the column types and row count from the footer.
 */
export interface ParquetTable extends CsvTable {
  /** Column name → type, in the header's order (see `columnTypeOf`). */
  schema: Schema;
  /** Rows in the object, from its footer. */
  rows: number;
  /** Row groups in the object: the batches are read one row group at a time. */
  rowGroups: number;
  /**
   * Releases the object (its file handle, or its spooled copy). Reading the batches to the end, or
   * stopping early with `break`/`return`, does this too; call it when the batches are not read at all.
   */
  close(): Promise<void>;
}

/**
 * Reads a Parquet object from the lake, one row group at a time. A local lake's file is read in place,
 * by ranges; an object of any other backend (S3) is first streamed to a temporary file, since
 * `StorageBackend` has no range reads, and that file is removed when the table is closed.
 * @throws StorageError as the backend does (`NOT_FOUND` for a missing object)
 * @throws InputError `MALFORMED_PARQUET` for an object that is not a readable Parquet file
 */
export async function readParquetObject(
  storage: StorageBackend,
  key: string,
  options: ReadParquetOptions = {},
): Promise<ParquetTable> {
  const source = storage instanceof LocalStorage ? await openLocal(storage, key) : await spool(storage, key);
  return readParquet(source, { ...options, location: { key, ...options.location } });
}

/**
 * Reads a Parquet file as text rows: numbers as pandas writes floats (`formatNumber`; integers
 * without a fraction), booleans `true`/`false`, dates `YYYY-MM-DD`, date-times
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC, strings as they are, null as `''`. Only flat schemas
 * (no nested or repeated columns) are read. The source is closed when the batches end, early or not.
 * @throws InputError `MALFORMED_PARQUET`, `DUPLICATE_COLUMNS`, `MALFORMED_CSV` (an empty column name)
 */
export async function readParquet(
  source: ParquetSource,
  options: ReadParquetOptions = {},
): Promise<ParquetTable> {
  const location = options.location ?? {};
  let metadata: FileMetaData;
  let header: string[];
  let types: ColumnType[];
  let formats: ((value: unknown) => string)[];
  try {
    const { parquetMetadataAsync } = await import('hyparquet');
    metadata = await parquetMetadataAsync(source, { parsers: RAW_PARSERS }).catch((error: unknown) => {
      throw new InputError(`not a readable Parquet file: ${(error as Error).message}`, {
        code: 'MALFORMED_PARQUET',
        cause: error,
        location,
      });
    });
    const [root, ...leaves] = metadata.schema;
    if (!root || leaves.length !== (root.num_children ?? 0) || leaves.some((leaf) => leaf.num_children)) {
      throw new InputError('a Parquet file with nested columns: only flat tables are read', {
        code: 'MALFORMED_PARQUET',
        location,
      });
    }
    if (leaves.some((leaf) => leaf.repetition_type === 'REPEATED')) {
      throw new InputError('a Parquet file with repeated columns: only flat tables are read', {
        code: 'MALFORMED_PARQUET',
        location,
      });
    }
    header = leaves.map((leaf) => leaf.name);
    assertUniqueColumns(header, location);
    types = leaves.map(columnTypeOf);
    formats = leaves.map(formatterOf);
  } catch (error) {
    await source.close();
    throw error;
  }
  const width = header.length;
  const capacity = Math.max(width, options.rowCapacity?.(header) ?? width);
  const selected = options.columns
    ? [...new Set(options.columns(header))].filter((c) => c >= 0 && c < width).sort((a, b) => a - b)
    : header.map((_, c) => c);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  // Rows are copies of the template, of the reserved capacity, then cut to the header's width (as
  // readCsv does): a consumer that appends columns then never regrows them.
  const template: string[] = Array.from({ length: capacity }, () => '');

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= source.close();
    return closed;
  };

  async function* batches(): AsyncGenerator<RowBatch> {
    try {
      let groupStart = 0;
      for (const group of metadata.row_groups) {
        const size = Number(group.num_rows);
        if (size === 0) continue;
        // The group's columns stay as decoded (numbers, bigints, strings); rows of text are made one
        // batch at a time, so only a batch of them is alive at once.
        const columns = await readGroup(groupStart, size);
        groupStart += size;
        for (let from = 0; from < size; from += batchSize)
          yield textRows(columns, from, Math.min(size, from + batchSize));
      }
    } finally {
      await close();
    }
  }

  function textRows(columns: Map<number, DecodedColumn>, from: number, to: number): RowBatch {
    const rows: RowBatch = new Array(to - from);
    for (let i = from; i < to; i++) {
      const row = template.slice();
      if (capacity > width) row.length = width;
      rows[i - from] = row;
    }
    for (const [c, { values, format }] of columns) {
      for (let i = from; i < to; i++) {
        const value: unknown = values[i];
        if (value !== null && value !== undefined) (rows[i - from] as string[])[c] = format(value);
      }
    }
    return rows;
  }

  /** One row group's selected columns, decoded, indexed by row within the group. */
  async function readGroup(groupStart: number, size: number): Promise<Map<number, DecodedColumn>> {
    const columns = new Map<number, DecodedColumn>();
    if (selected.length === 0) return columns;
    const names = selected.map((c) => header[c] as string);
    const indexOf = new Map(selected.map((c) => [header[c] as string, c]));
    try {
      const [{ parquetRead }, { compressors }] = await Promise.all([
        import('hyparquet'),
        import('hyparquet-compressors'),
      ]);
      await parquetRead({
        file: source,
        metadata,
        columns: names,
        rowStart: groupStart,
        rowEnd: groupStart + size,
        compressors,
        parsers: RAW_PARSERS,
        onChunk: ({ columnName, columnData, rowStart }) => {
          const c = indexOf.get(columnName);
          if (c === undefined) return;
          let column = columns.get(c);
          if (!column) {
            column = { values: new Array(size), format: formats[c] as (value: unknown) => string };
            columns.set(c, column);
          }
          const offset = rowStart - groupStart;
          for (let i = 0; i < columnData.length; i++) {
            const at = offset + i;
            if (at >= 0 && at < size) column.values[at] = columnData[i];
          }
        },
      });
    } catch (error) {
      throw new InputError(`could not read a Parquet row group: ${(error as Error).message}`, {
        code: 'MALFORMED_PARQUET',
        cause: error,
        location: { ...location, row: groupStart + 1 },
      });
    }
    return columns;
  }

  return {
    header,
    schema: Object.fromEntries(header.map((name, c) => [name, types[c] as ColumnType])),
    rows: Number(metadata.num_rows),
    rowGroups: metadata.row_groups.length,
    batches: batches(),
    close,
  };
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` of microseconds since 1970-01-01 UTC. */
export function formatMicros(micros: bigint): string {
  let seconds = micros / 1_000_000n;
  let fraction = micros - seconds * 1_000_000n;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += 1_000_000n;
  }
  const base = formatTimestamp(Number(seconds) * 1000);
  return fraction === 0n ? base : `${base}.${fraction.toString().padStart(6, '0')}`;
}

/** Values as decoded: dates as day numbers, timestamps as bigints in their unit (see {@link formatterOf}). */
const RAW_PARSERS: Partial<ParquetParsers> = {
  dateFromDays: (days: number) => days,
  timestampFromMilliseconds: (ms: bigint) => ms,
  timestampFromMicroseconds: (micros: bigint) => micros,
  timestampFromNanoseconds: (nanos: bigint) => nanos,
};

interface DecodedColumn {
  values: unknown[];
  format: (value: unknown) => string;
}

/** How a column's decoded values (never null) become text. */
function formatterOf(element: SchemaElement): (value: unknown) => string {
  const type = columnTypeOf(element);
  switch (type) {
    case 'string':
      return (value) => (typeof value === 'string' ? value : String(value));
    case 'int':
      return (value) => (typeof value === 'bigint' ? value.toString() : formatNumber(Number(value)));
    case 'float':
      return (value) => formatNumber(Number(value));
    case 'bool':
      return (value) => (value ? 'true' : 'false');
    case 'date':
      return (value) => formatDate(Number(value) * DAY_MS);
    case 'datetime': {
      const unit =
        element.type === 'INT96'
          ? 'NANOS'
          : element.converted_type === 'TIMESTAMP_MILLIS'
            ? 'MILLIS'
            : element.converted_type === 'TIMESTAMP_MICROS'
              ? 'MICROS'
              : element.logical_type?.type === 'TIMESTAMP'
                ? element.logical_type.unit
                : 'MICROS';
      if (unit === 'MILLIS') return (value) => formatMicros(BigInt(value as bigint) * 1000n);
      if (unit === 'NANOS') return (value) => formatMicros(floorDiv(BigInt(value as bigint), 1000n));
      return (value) => formatMicros(BigInt(value as bigint));
    }
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a < 0n && q * b !== a ? q - 1n : q;
}
