import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { assertIsoDate, lakeKeys } from '../lake/keys.ts';
import type { IngestResult, InputSpec } from '../pipeline/jobs.ts';
import { SOURCES, type SourceName } from '../sources/definitions.ts';
import { type InputTable, openInput } from '../sources/file-reader.ts';
import { generateRows } from '../sources/generator.ts';
import { SchemaValidator, type ValidationSummary } from './validate.ts';

export interface IngestOptions {
  lake: DataLake;
  runId: string;
  /** The run's date, `YYYY-MM-DD`: the landing partition. */
  date: string;
  source: SourceName;
  input: InputSpec;
  /** Aborts between batches; the landing object then stays as it was. */
  signal?: AbortSignal;
  /** Called after each batch with the rows landed so far. */
  onProgress?: (rowsSoFar: number) => void;
}

/** The landing object's metadata document (`<object>.meta.json`), written after the object. */
export interface LandingMetadata {
  source: SourceName;
  runId: string;
  date: string;
  ingestedAt: string;
  rowCount: number;
  columns: string[];
  /** SHA-256 (hex) of the landing object's bytes. */
  sha256: string;
  bytes: number;
  input: InputSpec;
  validation: ValidationSummary;
}

/**
 * Lands one source for one date: input → validation → `landing/<source>/date=…/<source>.csv`
 * (canonical CSV: UTF-8, LF, comma, every value as its original text), then the metadata document.
 * The object is written atomically: on any error (bad input, abort, storage) the writer is aborted, so
 * no half-written object appears and an earlier object for the date stays as it was. The metadata is
 * written only once the object is in place; if that write fails the job fails too, and its retry
 * rewrites both.
 * @throws InputError for bad input (never retried), StorageError for the lake, the signal's reason
 */
export async function ingestSource(options: IngestOptions): Promise<IngestResult> {
  const { lake, runId, date, source, input, signal, onProgress } = options;
  assertIsoDate(date);
  signal?.throwIfAborted();
  const definition = SOURCES[source];
  const table = await openTable(options);
  const validator = new SchemaValidator(definition, {
    date,
    location: input.kind === 'generate' ? {} : { key: input.kind === 'file' ? input.path : input.key },
  });
  try {
    // Before the writer opens, so a file with the wrong columns leaves no trace at all.
    validator.checkHeader(table.header);
  } catch (error) {
    table.close();
    throw error;
  }

  const landingKey = lakeKeys.landing(source, date);
  const writer = lake.openCsvWriter(landingKey, table.header, signal);
  let landing: ObjectRef;
  let validation: ValidationSummary;
  try {
    let rows = 0;
    for await (const batch of table.batches) {
      signal?.throwIfAborted();
      validator.checkRows(batch);
      rows += batch.length;
      // The rows are formatted before `write` returns; the wait is only the lake's backpressure.
      await writer.write(batch);
      onProgress?.(rows);
    }
    validation = validator.finish();
    landing = await writer.finish();
  } catch (error) {
    await writer.abort(error);
    throw error;
  }

  const metaKey = lakeKeys.landingMeta(source, date);
  const metadata: LandingMetadata = {
    source,
    runId,
    date,
    ingestedAt: new Date().toISOString(),
    rowCount: landing.rows,
    columns: table.header,
    sha256: landing.sha256,
    bytes: landing.bytes,
    input,
    validation,
  };
  await lake.writeJson(metaKey, metadata);
  return { source, date, landing, metaKey, columns: table.header, warnings: validation.warnings };
}

async function openTable({ lake, date, source, input }: IngestOptions): Promise<InputTable> {
  if (input.kind === 'generate') {
    const { records, seed, defects } = input;
    // Generated rows hold no file or stream until they are iterated: nothing to release.
    return { ...generateRows(source, { date, records, seed, defects }), close: () => undefined };
  }
  return openInput(input, { lake, source });
}
