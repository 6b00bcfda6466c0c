import type { Job } from 'bullmq';
import type { QualityPayload } from '../lib/pipeline/jobs.ts';
import { planSteps, readRootJob, rootJobId } from '../lib/pipeline/lifecycle.ts';
import type { PipelineQueues } from '../lib/pipeline/queues.ts';
import { iso, readStep } from '../lib/pipeline/run-record.ts';
import { type ListedRun, NOT_LATEST, type RunView } from './run-listing.ts';
import { inDates, type RunFilter } from './run-records.ts';

/** Root-job states of a run in progress (`completed` and `failed` end it). */
const UNFINISHED = ['active', 'waiting', 'waiting-children', 'delayed', 'prioritized', 'paused'] as const;

/**
 * Runs in progress, from BullMQ: root jobs not finished of the pipelines it is given. Without queues
 * there are none.
 */
export class LiveRuns {
  constructor(
    private readonly pipelines: readonly string[],
    private readonly queues: PipelineQueues | undefined,
  ) {}

  /** The root job of a run not finished, or `undefined` (finished, unknown, or no queues). */
  async rootOf(runId: string): Promise<Job<QualityPayload> | undefined> {
    if (!this.queues) return undefined;
    const root = await readRootJob(this.queues, runId);
    if (!root || !isRootLike(root)) return undefined;
    const state = await root.getState();
    return (UNFINISHED as readonly string[]).includes(state) ? root : undefined;
  }

  /** Root jobs not finished of the listed pipelines (or `filter.pipeline`'s) within the filter's dates. */
  async inProgress(filter: Omit<RunFilter, 'status'>): Promise<Job<QualityPayload>[]> {
    if (!this.queues) return [];
    const pipelines = new Set(filter.pipeline !== undefined ? [filter.pipeline] : this.pipelines);
    const jobs = await this.queues.quality.getJobs([...UNFINISHED]);
    const seen = new Set<string>();
    return jobs.filter((job): job is Job<QualityPayload> => {
      if (!job || !isRootLike(job) || seen.has(job.data.runId)) return false;
      seen.add(job.data.runId);
      return pipelines.has(job.data.pipeline) && inDates(job.data.date, filter);
    });
  }

  /** A run in progress in full: its steps as BullMQ has them now. */
  async view(run: ListedRun): Promise<RunView> {
    const root = run.root as Job<QualityPayload>;
    const queues = this.queues as PipelineQueues;
    const steps = await Promise.all(planSteps(root.data).map((plan) => readStep(queues, plan)));
    return {
      runId: run.runId,
      pipeline: run.pipeline,
      date: run.date,
      suite: root.data.suite ?? null,
      status: 'running',
      enqueuedAt: run.enqueuedAt,
      endedAt: null,
      durationMs: null,
      steps,
      errors: steps.flatMap((step) => (step.error ? [`${step.name}: ${step.error}`] : [])),
      quality: null,
      datasets: {},
      lineage: { inputs: [], outputs: [] },
      latest: run.latest,
      supersededBy: run.supersededBy,
    };
  }
}

/** A run in progress as a listing holds it; only ended runs are marked latest or superseded. */
export function listedLive(root: Job<QualityPayload>): ListedRun {
  return {
    runId: root.data.runId,
    pipeline: root.data.pipeline,
    date: root.data.date,
    status: 'running',
    enqueuedAt: iso(root.timestamp),
    endedAt: null,
    root,
    ...NOT_LATEST,
  };
}

/** A root job whose payload names its run (a job added by hand with another payload is not a run). */
function isRootLike(job: Job): job is Job<QualityPayload> {
  const data = job.data as Partial<QualityPayload> | undefined;
  return (
    typeof data?.runId === 'string' &&
    typeof data.pipeline === 'string' &&
    typeof data.date === 'string' &&
    Array.isArray(data.sources) &&
    job.id === rootJobId(data.runId)
  );
}
