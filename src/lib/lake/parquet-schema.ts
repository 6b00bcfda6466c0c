import { createRequire } from 'node:module';
import type { CompressionCodec, SchemaElement } from 'hyparquet';
import type { ParquetWriter } from 'hyparquet-writer';
import type { ColumnType } from '../definition/schema.ts';

// The Parquet format's shared pieces: how a schema's column types map to Parquet types, and the codecs.
// Writing is in parquet-writer.ts, reading in parquet-reader.ts.

/** The codecs the lake writes Parquet with. ZSTD by default: a quarter of Snappy's bytes, as fast. */
export type ParquetCodec = 'ZSTD' | 'SNAPPY';

/** A schema element as hyparquet-writer takes it (it depends on its own, pinned, hyparquet). */
export type WriterSchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

/** Milliseconds in a day: Parquet DATE counts days since 1970-01-01. */
export const DAY_MS = 86_400_000;

/**
 * The Parquet column of a schema's column type, always OPTIONAL (nulls allowed): int as INT64, float as
 * DOUBLE, bool as BOOLEAN, string as UTF-8 BYTE_ARRAY, date as INT32 DATE, datetime as INT64 TIMESTAMP
 * in microseconds, adjusted to UTC (the product's date-times are naive, read as UTC).
 */
export function parquetElement(name: string, type: ColumnType): WriterSchemaElement {
  const repetition_type = 'OPTIONAL' as const;
  switch (type) {
    case 'int':
      return { name, type: 'INT64', repetition_type };
    case 'float':
      return { name, type: 'DOUBLE', repetition_type };
    case 'bool':
      return { name, type: 'BOOLEAN', repetition_type };
    case 'string':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
    case 'date':
      return { name, type: 'INT32', converted_type: 'DATE', repetition_type };
    case 'datetime':
      return {
        name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
        repetition_type,
      };
  }
}

/**
 * The schema column type a Parquet column reads as, for files of any writer: integers as int, floating
 * point as float, DATE as date, any TIMESTAMP (or INT96) as datetime, BOOLEAN as bool, anything else as
 * string.
 */
export function columnTypeOf(element: SchemaElement): ColumnType {
  const { type, converted_type: converted, logical_type: logical } = element;
  if (converted === 'DATE' || logical?.type === 'DATE') return 'date';
  if (
    converted === 'TIMESTAMP_MILLIS' ||
    converted === 'TIMESTAMP_MICROS' ||
    logical?.type === 'TIMESTAMP' ||
    type === 'INT96'
  ) {
    return 'datetime';
  }
  if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') return 'float';
  if (type === 'INT32' || type === 'INT64') return 'int';
  if (type === 'FLOAT' || type === 'DOUBLE') return 'float';
  if (type === 'BOOLEAN') return 'bool';
  return 'string';
}

type Compressor = (input: Uint8Array) => Uint8Array;

interface ZstdSimple {
  compress(input: Uint8Array, level: number): Uint8Array | null;
}

/** zstd-codec ships no types; its `run` calls back once its WebAssembly module is ready. */
interface ZstdCodecModule {
  ZstdCodec: { run(ready: (zstd: { Simple: new () => ZstdSimple }) => void): void };
}

/** ZSTD level: 3 is zstd's own default, the usual trade of speed for size. */
const ZSTD_LEVEL = 3;

let zstdCompressor: Promise<Compressor> | undefined;

/** The compressor a codec needs beyond hyparquet-writer's built-in Snappy, loaded once per process. */
export async function compressorsFor(
  codec: ParquetCodec,
): Promise<Partial<Record<CompressionCodec, Compressor>>> {
  if (codec === 'SNAPPY') return {};
  zstdCompressor ??= new Promise<Compressor>((resolve) => {
    const { ZstdCodec } = createRequire(import.meta.url)('zstd-codec') as ZstdCodecModule;
    ZstdCodec.run((zstd) => {
      const simple = new zstd.Simple();
      resolve((input) => {
        const output = simple.compress(input, ZSTD_LEVEL);
        if (!output) throw new Error(`ZSTD could not compress a page of ${input.length} bytes`);
        return output;
      });
    });
  });
  return { ZSTD: await zstdCompressor };
}
