import { ingestSource } from '../../lib/ingest/ingest.ts';
import type { StepProcessor, WorkerDeps } from '../step.ts';

/** Ingests one source of one run into the landing zone. */
export function ingestProcessor({ lake }: WorkerDeps): StepProcessor<'ingest'> {
  return async (job, signal) => {
    const { runId, date, source, input } = job.data;
    await job.log(`ingesting ${source} for ${date} from ${input.kind}`);
    const result = await ingestSource({
      lake,
      runId,
      date,
      source,
      input,
      signal,
      onProgress: (rows) => void job.progress({ rows }).catch(() => undefined),
    });
    await job.log(
      `landed ${result.landing.rows} rows at ${result.landing.key}; ${result.warnings.length} warnings`,
    );
    for (const warning of result.warnings) await job.log(`warning: ${warning}`);
    return result;
  };
}
