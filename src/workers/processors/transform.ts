import { runTransform } from '../../lib/engine/run-transform.ts';
import { parseChildResult, type StepProcessor, type WorkerDeps } from '../step.ts';

/** Runs the pipeline's transform for the run's date, from the landing objects its children report. */
export function transformProcessor({ lake }: WorkerDeps): StepProcessor<'transform'> {
  return async (job, signal) => {
    const { runId, date } = job.data;
    const landingKeys: Record<string, string> = {};
    for (const value of Object.values(await job.childrenValues())) {
      const child = parseChildResult('ingest', value);
      landingKeys[child.source] = child.landing.key;
    }
    const result = await runTransform({
      lake,
      pipeline: job.pipeline,
      runId,
      date,
      landingKeys,
      signal,
      onProgress: job.reportProgress,
    });
    const written = Object.entries(result.outputs).map(([name, ref]) => `${name} ${ref.rows} rows`);
    await job.log(`wrote ${written.join(', ') || 'no dataset'}`);
    return result;
  };
}
