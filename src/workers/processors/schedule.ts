import { enqueueRun, readRootJob, runIdOf } from '../../lib/pipeline/lifecycle.ts';
import { flowOptionsOf } from '../../lib/pipeline/producer.ts';
import type { StepProcessor, WorkerDeps } from '../step.ts';

const DAY_MS = 86_400_000;

/** A schedule's fire: enqueues the run of the fire's date (plus the offset), as `npm run enqueue` would. */
export function scheduleProcessor({ config, flows, queues }: WorkerDeps): StepProcessor<'schedule'> {
  return async (job) => {
    const { pipeline, suite, sources, dateOffsetDays } = job.data;
    const date = new Date(job.dueAt + dateOffsetDays * DAY_MS).toISOString().slice(0, 10);
    const spec = { pipeline, date, sources, ...(suite !== undefined ? { suite } : {}) };
    const runId = runIdOf(spec);
    const created = (await readRootJob(queues, runId)) === undefined;
    await enqueueRun(flows, job.pipeline, spec, flowOptionsOf(config));
    await job.log(`${created ? 'enqueued' : 'already enqueued'} ${runId}`);
    return { runId, date, created };
  };
}
