import type { SourceName } from '../../lib/sources/definitions.ts';
import { transformDate } from '../../lib/transform/transform.ts';
import { parseChildResult, type StepProcessor, type WorkerDeps } from '../step.ts';

/** Cleans, enriches and summarizes the run's date from the landing objects its children report. */
export function transformProcessor({ lake }: WorkerDeps): StepProcessor<'transform'> {
  return async (job, signal) => {
    const { runId, date } = job.data;
    const landingKeys: Partial<Record<SourceName, string>> = {};
    for (const value of Object.values(await job.childrenValues())) {
      const child = parseChildResult('ingest', value);
      landingKeys[child.source] = child.landing.key;
    }
    const result = await transformDate({
      lake,
      runId,
      date,
      landingKeys,
      signal,
      onProgress: job.reportProgress,
    });
    const { cleaned, enriched, summary } = result.outputs;
    await job.log(`cleaned ${cleaned.rows} rows, enriched ${enriched.rows}, summary ${summary.rows} rows`);
    return result;
  };
}
