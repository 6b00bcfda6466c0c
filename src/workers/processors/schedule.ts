import { Job } from 'bullmq';
import { enqueueRun } from '../../lib/pipeline/flow.ts';
import { jobIds } from '../../lib/pipeline/jobs.ts';
import { flowOptionsOf } from '../../lib/pipeline/producer.ts';
import { runIdOf } from '../../lib/pipeline/run-spec.ts';
import { formatDate } from '../../lib/sources/values.ts';
import type { StepProcessor, WorkerDeps } from '../step.ts';

const DAY_MS = 86_400_000;

/** A schedule's fire: enqueues the run of the fire's date (plus the offset), as `npm run enqueue` would. */
export function scheduleProcessor({ config, flows, queues }: WorkerDeps): StepProcessor<'schedule'> {
  return async (job) => {
    const { pipeline, suite, sources, dateOffsetDays } = job.data;
    const date = formatDate(job.dueAt + dateOffsetDays * DAY_MS);
    const spec = { pipeline, date, suite, sources };
    const runId = runIdOf(spec);
    const created = (await Job.fromId(queues.quality, jobIds.quality(runId))) === undefined;
    await enqueueRun(flows, spec, flowOptionsOf(config));
    await job.log(`${created ? 'enqueued' : 'already enqueued'} ${runId}`);
    return { runId, date, created };
  };
}
