import type { Schema } from '../definition/schema.ts';
import type { InputSpec } from '../pipeline/jobs.ts';
import type { RowBatch } from './csv.ts';
import type { DataLake, ObjectRef } from './data-lake.ts';
import { formatOfKey } from './dataset-reader.ts';
import { DATASET_FORMATS, type DatasetFormat, lakeKeys } from './keys.ts';

/** A landing object being written, in either format; the contract of `CsvObjectWriter`. */
export interface LandingWriter {
  readonly key: string;
  /** Appends validated rows (text, as the input readers give them). */
  write(rows: RowBatch): Promise<void>;
  /**
   * Puts the object in place, then removes the date's landing object in the other format, if an
   * earlier ingestion left one, so that a snapshot is one object.
   */
  finish(): Promise<ObjectRef>;
  /** Drops what was written; the key keeps its old object (or none). */
  abort(reason?: unknown): Promise<void>;
}

/** What {@link openLandingWriter} needs. */
export interface LandingWriterOptions {
  pipeline: string;
  source: string;
  date: string;
  /** The landing copy's format: see {@link landingFormatOf}. */
  format: DatasetFormat;
  /** The input's columns, in its order (the landing copy keeps them as they came). */
  header: readonly string[];
  /** The source's schema: the Parquet columns' types (a column it does not declare is text). */
  schema: Schema;
  signal?: AbortSignal;
}

/**
 * The format a source's landing copy keeps: the input's own for a Parquet file or lake object (its
 * typed columns stay typed), CSV for every other input (CSV, JSON, NDJSON, generated rows).
 * @param format the input's format as `resolveFormat` (sources/file-reader.ts) resolved it
 */
export function landingFormatOf(input: InputSpec, format?: string): DatasetFormat {
  if (input.kind === 'generate') return 'csv';
  const resolved = format ?? input.format ?? formatOfKey(input.kind === 'file' ? input.path : input.key);
  return resolved === 'parquet' ? 'parquet' : 'csv';
}

/**
 * Opens the landing object of a source for a date (`lakeKeys.landing` in the format), atomic as every
 * lake writer: CSV as the input's text, or Parquet typed by the source's schema.
 */
export function openLandingWriter(lake: DataLake, options: LandingWriterOptions): LandingWriter {
  const { pipeline, source, date, format, header, schema, signal } = options;
  const key = lakeKeys.landing(pipeline, source, date, format);
  const writer =
    format === 'parquet'
      ? lake.openParquetWriter(
          key,
          Object.fromEntries(header.map((name) => [name, schema[name] ?? 'string'])),
          signal,
        )
      : lake.openCsvWriter(key, header, signal);
  return {
    key,
    write: (rows) => writer.write(rows),
    abort: (reason) => writer.abort(reason),
    async finish() {
      const ref = await writer.finish();
      for (const other of DATASET_FORMATS) {
        if (other !== format) await lake.storage.delete(lakeKeys.landing(pipeline, source, date, other));
      }
      return ref;
    },
  };
}
