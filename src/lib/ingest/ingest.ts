import type { PipelineDefinition } from '../definition/define.ts';
import type { Source } from '../definition/sources.ts';
import { InputError } from '../errors.ts';
import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { assertIsoDate, lakeKeys } from '../lake/keys.ts';
import type { IngestResult, InputSpec } from '../pipeline/jobs.ts';
import { sourceOf } from '../pipeline/resolve.ts';
import { type InputTable, openInput, resolveFormat } from '../sources/file-reader.ts';
import { generateTable } from './generate.ts';
import { SchemaValidator, type ValidationSummary } from './validate.ts';

export interface IngestOptions {
  lake: DataLake;
  pipeline: PipelineDefinition;
  runId: string;
  /** The run's date, `YYYY-MM-DD`: the landing partition. */
  date: string;
  source: string;
  input: InputSpec;
  /** Aborts between batches; the landing object then stays as it was. */
  signal?: AbortSignal;
  /** Called after each batch with the rows landed so far. */
  onProgress?: (rowsSoFar: number) => void;
}

/** The landing object's metadata document (`<object>.meta.json`), written after the object. */
export interface LandingMetadata {
  pipeline: string;
  source: string;
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
 * Lands one source of a pipeline for one date: input → validation against the source's schema →
 * `<pipeline>/landing/<source>/date=…/<source>.csv` (canonical CSV: UTF-8, LF, comma, every value as
 * its original text), then the metadata document. The object is written atomically: on any error
 * (bad input, abort, storage) the writer is aborted, so no half-written object appears and an earlier
 * object for the date stays as it was. The metadata is written only once the object is in place; if
 * that write fails the job fails too, and its retry rewrites both.
 * @throws InputError for bad input (never retried), StorageError for the lake, the signal's reason
 */
export async function ingestSource(options: IngestOptions): Promise<IngestResult> {
  const { lake, pipeline, runId, date, source, input, signal, onProgress } = options;
  assertIsoDate(date);
  signal?.throwIfAborted();
  const definition = sourceOf(pipeline, source);
  const table = await openTable(options, definition);
  const validator = new SchemaValidator(source, definition, {
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

  const landingKey = lakeKeys.landing(pipeline.name, source, date);
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

  const metaKey = lakeKeys.landingMeta(pipeline.name, source, date);
  const metadata: LandingMetadata = {
    pipeline: pipeline.name,
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
  return {
    source,
    date,
    landing,
    metaKey,
    columns: table.header,
    warnings: validation.warnings,
    quarantine: null,
  };
}

async function openTable(
  { lake, date, source, input }: IngestOptions,
  definition: Source,
): Promise<InputTable> {
  if (input.kind === 'generate') {
    const { records, seed, options } = input;
    // Generated rows hold no file or stream until they are iterated: nothing to release.
    return { ...generateTable(source, definition, { date, records, seed, options }), close: () => undefined };
  }
  const format = resolveFormat(input);
  const accepted = definition.formats ?? ['csv', 'json', 'ndjson'];
  if (!accepted.includes(format)) {
    throw new InputError(`source ${source} accepts ${accepted.join(', ')}, not ${format}`, {
      code: 'FORMAT_NOT_ACCEPTED',
      location: { source, key: input.kind === 'file' ? input.path : input.key },
    });
  }
  return openInput({ ...input, format }, { lake, source });
}
