import {
  ConfigError,
  type ErrorLocation,
  InputError,
  PipelineError,
  StorageError,
} from '../../lib/errors.ts';
import { ingestSource } from '../../lib/ingest/ingest.ts';
import { sourceOf } from '../../lib/pipeline/resolve.ts';
import type { StepProcessor, WorkerDeps } from '../step.ts';

/** Ingests one source of one run into the pipeline's landing zone. */
export function ingestProcessor({ lake }: WorkerDeps): StepProcessor<'ingest'> {
  return async (job, signal) => {
    const { runId, date, source, input } = job.data;
    sourceOf(job.pipeline, source); // UNKNOWN_SOURCE, at once
    await job.log(`ingesting ${source} for ${date} from ${input.kind}`);
    let result: Awaited<ReturnType<typeof ingestSource>>;
    try {
      result = await ingestSource({
        lake,
        pipeline: job.pipeline,
        runId,
        date,
        source,
        input,
        signal,
        onProgress: (rows) => job.reportProgress({ rows }),
      });
    } catch (error) {
      throw namingSource(error, source);
    }
    const quarantined = result.quarantine
      ? `; ${result.quarantine.ref.rows} rows quarantined at ${result.quarantine.ref.key} (${Object.entries(
          result.quarantine.byRule,
        )
          .map(([rule, rows]) => `${rule} ${rows}`)
          .join(', ')})`
      : '';
    await job.log(
      `landed ${result.landing.rows} rows at ${result.landing.key}${quarantined}; ${result.warnings.length} warnings`,
    );
    // Sent together, not one round trip after another; one connection keeps them in order.
    await Promise.all(result.warnings.map((warning) => job.log(`warning: ${warning}`)));
    return result;
  };
}

/**
 * Every ingestion error names its source. Errors raised below the validator (a missing file or lake
 * object, an unknown format, an invalid key) know the object but not the source: they get the same
 * class, code and retryability, with the source added to their location (the original is the cause).
 */
export function namingSource(error: unknown, source: string): unknown {
  if (!(error instanceof PipelineError) || error.location?.source !== undefined) return error;
  const suffix = locationSuffix(error.location);
  const message =
    suffix !== '' && error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
  const options = { code: error.code, cause: error, location: { source, ...error.location } };
  if (error instanceof InputError) return new InputError(message, options);
  if (error instanceof ConfigError) return new ConfigError(message, options);
  const Class = error instanceof StorageError ? StorageError : PipelineError;
  return new Class(message, { ...options, retryable: error.retryable });
}

/** The ` (object …, row …)` that PipelineError appended for a location, so it is not repeated. */
function locationSuffix(location: ErrorLocation | undefined): string {
  if (!location) return '';
  const parts = [
    location.key !== undefined ? `object ${location.key}` : undefined,
    location.row !== undefined ? `row ${location.row}` : undefined,
    location.column !== undefined ? `column ${location.column}` : undefined,
  ].filter((part) => part !== undefined);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}
