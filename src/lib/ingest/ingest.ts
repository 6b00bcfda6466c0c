import type { PipelineDefinition } from '../definition/define.ts';
import type { Source } from '../definition/sources.ts';
import { InputError } from '../errors.ts';
import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { assertIsoDate, lakeKeys } from '../lake/keys.ts';
import { landingFormatOf, openLandingWriter } from '../lake/landing-writer.ts';
import type { IngestResult, InputSpec } from '../pipeline/jobs.ts';
import { sourceOf } from '../pipeline/resolve.ts';
import { type InputTable, openInput, resolveFormat } from '../sources/file-reader.ts';
import { generateTable } from './generate.ts';
import { Quarantine, type QuarantineResult, quarantineLimit, quarantineScreen } from './quarantine.ts';
import type { RowScreen } from './row-rejects.ts';
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
  /** Called after each batch with the input rows read so far (landed, or quarantined). */
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
  /**
   * Only when the source declares a quarantine: the rows set aside (0 when none), per rule, and the
   * quarantine object (null when none was written).
   */
  quarantine?: { key: string | null; rows: number; byRule: Record<string, number> };
}

/**
 * Lands one source of a pipeline for one date: input → validation against the source's schema →
 * `<pipeline>/landing/<source>/date=…/<source>.csv` (canonical CSV: UTF-8, LF, comma, every value as
 * its original text; `.parquet`, typed by the schema, for a Parquet input), then the metadata document. The object is written atomically: on any error
 * (bad input, abort, storage) the writer is aborted, so no half-written object appears and an earlier
 * object for the date stays as it was. The metadata is written only once the object is in place; if
 * that write fails the job fails too, and its retry rewrites both.
 *
 * A source that declares a quarantine lands its good rows and writes the rows that fail a per-row
 * check of validation or one of its declared `checks` to
 * `<pipeline>/quarantine/<source>/date=…/<source>.csv` (or `.parquet`, as declared; see quarantine.ts);
 * past its limit the run
 * fails with neither object written.
 * @throws InputError for bad input (never retried; `QUARANTINE_LIMIT` past a quarantine's limit),
 * StorageError for the lake, the signal's reason
 */
export async function ingestSource(options: IngestOptions): Promise<IngestResult> {
  const { lake, pipeline, runId, date, source, input, signal, onProgress } = options;
  assertIsoDate(date);
  signal?.throwIfAborted();
  const definition = sourceOf(pipeline, source);
  const limit = quarantineLimit(source, definition);
  const table = await openTable(options, definition);
  const location = input.kind === 'generate' ? {} : { key: input.kind === 'file' ? input.path : input.key };
  const validator = new SchemaValidator(source, definition, { date, location });
  let screen: RowScreen | undefined;
  try {
    // Before the writer opens, so a file with the wrong columns leaves no trace at all.
    validator.checkHeader(table.header);
    screen = limit === undefined ? undefined : quarantineScreen(source, definition, table.header, location);
  } catch (error) {
    table.close();
    throw error;
  }

  // A Parquet input lands as Parquet (typed by the schema), any other as canonical CSV.
  const format = landingFormatOf(input);
  const writer = openLandingWriter(lake, {
    pipeline: pipeline.name,
    source,
    date,
    format,
    header: table.header,
    schema: definition.schema,
    ...(signal ? { signal } : {}),
  });
  const quarantine =
    limit === undefined
      ? undefined
      : new Quarantine({
          lake,
          key: lakeKeys.quarantine(pipeline.name, source, date, definition.quarantine?.format),
          header: table.header,
          limit,
          location: { source, ...location },
          signal,
          screen,
        });
  let landing: ObjectRef;
  let validation: ValidationSummary;
  let quarantined: QuarantineResult | null = null;
  try {
    let rows = 0;
    for await (const batch of table.batches) {
      signal?.throwIfAborted();
      validator.checkRows(batch, quarantine);
      rows += batch.length;
      const landed = quarantine ? await quarantine.landed(batch) : batch;
      // The rows are formatted before `write` returns; the wait is only the lake's backpressure.
      await writer.write(landed);
      onProgress?.(rows);
    }
    validation = validator.finish();
    // Both objects are complete here; the limit decides before either is put in place.
    quarantine?.checkLimit(rows);
    if (quarantine) quarantined = await quarantine.finish();
    landing = await writer.finish();
    await quarantine?.clearStale();
  } catch (error) {
    await Promise.all([writer.abort(error), quarantine?.abort(error)]);
    throw error;
  }
  // The date's landing in the other format, from an earlier run, would otherwise be read instead.
  const other = lakeKeys.landing(pipeline.name, source, date, format === 'csv' ? 'parquet' : 'csv');
  if (await lake.storage.exists(other)) await lake.storage.delete(other);

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
    ...(quarantine
      ? {
          quarantine: {
            key: quarantined?.ref.key ?? null,
            rows: quarantine.rows,
            byRule: quarantined?.byRule ?? {},
          },
        }
      : {}),
  };
  await lake.writeJson(metaKey, metadata);
  return {
    source,
    date,
    landing,
    metaKey,
    columns: table.header,
    warnings: validation.warnings,
    quarantine: quarantined,
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
