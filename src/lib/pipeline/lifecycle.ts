import { randomBytes } from 'node:crypto';
import { type FlowJob, type FlowProducer, Job, type JobsOptions } from 'bullmq';
import type { PipelineDefinition } from '../definition/define.ts';
import { PipelineError } from '../errors.ts';
import type { DataLake } from '../lake/data-lake.ts';
import { inputForDate } from './input-spec.ts';
import type { IngestPayload, InputSpec, QualityPayload, QueueName, TransformPayload } from './jobs.ts';
import type { PipelineQueues } from './queues.ts';
import { sourceNames, sourceOf, suiteOf } from './resolve.ts';
import {
  decideStatus,
  type EndingStep,
  endingStep,
  iso,
  outputsOf,
  type RunRecord,
  readStep,
  writeRunRecord,
} from './run-record.ts';

/**
 * A run's life cycle, in one place: its id, its jobs' ids, its step plan, the flow that runs it (derived
 * from the pipeline's definition), its root job, and finishing its record (the record's shape and
 * I/O are run-record.ts).
 */

/** Everything that defines one run: which pipeline, which date, where each source's rows come from. */
export interface RunSpec {
  pipeline: string;
  /** Partition date, `YYYY-MM-DD`. */
  date: string;
  /** One ingestion per listed source; a dimension left out is joined as its latest snapshot. */
  sources: Readonly<Record<string, InputSpec>>;
  /** Quality suite name; default the pipeline's default suite. */
  suite?: string;
  /** Set for a deliberate re-run; otherwise the run id is deterministic. */
  rerunTag?: string;
}

/**
 * The run id: `<pipeline>-<date>`, so enqueueing the same run twice is a no-op. A deliberate re-run
 * appends `-r<tag>` and gets new jobs. Pipeline names have no `-`, so the id parses back
 * ({@link parseRunId}).
 */
export function runIdOf(spec: Pick<RunSpec, 'pipeline' | 'date' | 'rerunTag'>): string {
  const base = `${spec.pipeline}-${spec.date}`;
  return spec.rerunTag ? `${base}-r${spec.rerunTag}` : base;
}

const RUN_ID = /^([a-z][a-z0-9_]{0,63})-(\d{4}-\d{2}-\d{2})(?:-r([A-Za-z0-9_.-]+))?$/;

/** A run id's parts, or `undefined` for an id {@link runIdOf} cannot have made. */
export function parseRunId(runId: string): { pipeline: string; date: string; rerunTag?: string } | undefined {
  const match = RUN_ID.exec(runId);
  if (!match) return undefined;
  const [, pipeline = '', date = '', rerunTag] = match;
  return { pipeline, date, ...(rerunTag ? { rerunTag } : {}) };
}

/** A fresh, sortable re-run tag: base-36 milliseconds plus randomness, so two re-runs never collide. */
export function newRerunTag(now = Date.now()): string {
  return `${now.toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Deterministic job ids: enqueueing the same run twice adds nothing. The root is `quality`. */
export const jobIds = {
  ingest: (runId: string, source: string) => `${runId}-ingest-${source}`,
  transform: (runId: string) => `${runId}-transform`,
  quality: (runId: string) => `${runId}-quality`,
} as const;

/** The root job's id: the job whose end is the run's end. */
export const rootJobId = jobIds.quality;

const STEP_SUFFIX = /-(?:ingest-([a-z][a-z0-9_]*)|(transform)|(quality))$/;

/** Which run and step a job id of {@link jobIds} names, or `undefined` for any other id. */
export function stepOfJobId(
  jobId: string,
): { runId: string; queue: 'ingest' | 'transform' | 'quality'; source?: string } | undefined {
  const match = STEP_SUFFIX.exec(jobId);
  if (!match) return undefined;
  const runId = jobId.slice(0, match.index);
  if (match[1]) return { runId, queue: 'ingest', source: match[1] };
  return { runId, queue: match[2] ? 'transform' : 'quality' };
}

/** One step of a run as planned: its name in the record, its queue and job. */
export interface StepPlan {
  name: string;
  queue: QueueName;
  jobId: string;
  /** A required step that fails fails the run; the optional quality step makes it partial. */
  required: boolean;
}

/**
 * The steps of a run: `ingest_<source>` for each source it ingests, `transform`, `quality_checks`.
 * Read from the root job's payload, so a run's record needs no definition (its pipeline may be gone).
 */
export function planSteps(root: Pick<QualityPayload, 'runId' | 'sources'>): StepPlan[] {
  const { runId } = root;
  return [
    ...root.sources.map((source) => ({
      name: `ingest_${source}`,
      queue: 'ingest' as const,
      jobId: jobIds.ingest(runId, source),
      required: true,
    })),
    { name: 'transform', queue: 'transform', jobId: jobIds.transform(runId), required: true },
    { name: 'quality_checks', queue: 'quality', jobId: rootJobId(runId), required: false },
  ];
}

/**
 * The steps whose end makes `step` ready to run (the flow's children of its job): none for an
 * ingestion, every ingestion for the transform, the transform for the quality root.
 */
export function prerequisitesOf<S extends Pick<StepPlan, 'queue'>>(step: S, plan: readonly S[]): S[] {
  if (step.queue === 'transform') return plan.filter((other) => other.queue === 'ingest');
  if (step.queue === 'quality') return plan.filter((other) => other.queue === 'transform');
  return [];
}

/** Retry and retention settings every job of a run gets. */
export interface FlowOptions {
  /** Attempts for transient errors. */
  attempts: number;
  /** First backoff delay in ms; doubles per attempt. */
  backoffMs: number;
  /** Seconds completed jobs are kept (the board shows them; re-enqueue stays a no-op meanwhile). */
  keepCompletedSeconds: number;
}

/**
 * Builds the BullMQ flow of one run of `pipeline`: `quality` (root) ← `transform` ← one `ingest` child
 * per source of the spec, in the definition's order. Job ids are deterministic, and every child fails
 * its parent when it fails for good, so a failed ingestion ends the run instead of leaving it in
 * waiting-children.
 * @param enqueueId stored in the root job's payload (see `enqueueRuns`)
 * @throws InputError `UNKNOWN_SOURCE` / `UNKNOWN_SUITE` listing what the pipeline has, `NO_SOURCES`
 */
export function buildRunFlow(
  pipeline: PipelineDefinition,
  spec: RunSpec,
  options: FlowOptions,
  enqueueId?: string,
): FlowJob {
  if (spec.pipeline !== pipeline.name) {
    throw new PipelineError(`run spec of ${spec.pipeline} given pipeline ${pipeline.name}`, {
      code: 'PIPELINE_MISMATCH',
    });
  }
  for (const name of Object.keys(spec.sources)) sourceOf(pipeline, name);
  const suite = suiteOf(pipeline, spec.suite)?.name;
  const sources = sourceNames(pipeline).filter((name) => Object.hasOwn(spec.sources, name));
  if (sources.length === 0) {
    throw new PipelineError(`a run of ${pipeline.name} ingests at least one source`, { code: 'NO_SOURCES' });
  }
  const runId = runIdOf(spec);
  const base = { runId, pipeline: pipeline.name, date: spec.date };
  const jobOptions = (jobId: string, isChild: boolean): JobsOptions => ({
    jobId,
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs },
    removeOnComplete: { age: options.keepCompletedSeconds },
    removeOnFail: { age: options.keepCompletedSeconds * 2 },
    ...(isChild ? { failParentOnFailure: true } : {}),
  });
  const ingestJobs: FlowJob[] = sources.map((source) => ({
    name: `ingest-${source}`,
    queueName: 'ingest',
    data: {
      ...base,
      source,
      input: inputForDate(spec.sources[source] as InputSpec, spec.date),
    } satisfies IngestPayload,
    opts: jobOptions(jobIds.ingest(runId, source), true),
  }));
  const transformJob: FlowJob = {
    name: 'transform',
    queueName: 'transform',
    data: base satisfies TransformPayload,
    opts: jobOptions(jobIds.transform(runId), true),
    children: ingestJobs,
  };
  return {
    name: 'quality',
    queueName: 'quality',
    data: {
      ...base,
      ...(suite !== undefined ? { suite } : {}),
      sources,
      ...(enqueueId ? { enqueueId } : {}),
    } satisfies QualityPayload,
    opts: jobOptions(rootJobId(runId), false),
    children: [transformJob],
  };
}

/**
 * Enqueues a run's flow; returns its run id. A second call for the same run adds nothing.
 * @param enqueueId tags the root job, so the caller can tell whether its call created the run
 */
export async function enqueueRun(
  producer: FlowProducer,
  pipeline: PipelineDefinition,
  spec: RunSpec,
  options: FlowOptions,
  enqueueId?: string,
): Promise<string> {
  await producer.add(buildRunFlow(pipeline, spec, options, enqueueId));
  return runIdOf(spec);
}

/** The run's root job, or `undefined` when it was never enqueued (or retention removed it). */
export async function readRootJob(
  queues: PipelineQueues,
  runId: string,
): Promise<Job<QualityPayload> | undefined> {
  return Job.fromId<QualityPayload>(queues.quality, rootJobId(runId));
}

/**
 * Writes the run record when a run ends: called by the quality step when it finishes, and by any
 * step that fails for good. Reads the plan from the root job, every other step's state from BullMQ, and
 * derives status, errors, datasets and lineage.
 * @throws PipelineError `RUN_NOT_FOUND` (no root job), `NOT_A_STEP` (the job is not one of the run's)
 */
export async function finishRun(options: {
  queues: PipelineQueues;
  lake: DataLake;
  runId: string;
  ending: EndingStep;
  quality?: RunRecord['quality'];
}): Promise<RunRecord> {
  const { queues, lake, runId, ending } = options;
  const root = await readRootJob(queues, runId);
  if (!root) {
    throw new PipelineError(`run ${runId}: its root job ${rootJobId(runId)} is gone; no run record written`, {
      code: 'RUN_NOT_FOUND',
    });
  }
  // A job that only claims the run id (added by hand, with a payload that failed its schema) must not
  // write the record of a run it is not part of.
  const plans = planSteps(root.data);
  if (!plans.some((plan) => plan.jobId === ending.jobId)) {
    throw new PipelineError(`job ${ending.jobId} is not a step of run ${runId}; no run record written`, {
      code: 'NOT_A_STEP',
    });
  }
  const endedAt = Date.now();
  const steps = await Promise.all(
    plans.map((plan) =>
      plan.jobId === ending.jobId ? endingStep(plan, ending, endedAt) : readStep(queues, plan),
    ),
  );
  const quality = options.quality ?? null;
  const record: RunRecord = {
    runId,
    pipeline: root.data.pipeline,
    date: root.data.date,
    suite: root.data.suite ?? null,
    status: decideStatus(steps, quality),
    enqueuedAt: iso(root.timestamp),
    endedAt: iso(endedAt) as string,
    durationMs: root.timestamp ? endedAt - root.timestamp : null,
    steps,
    errors: steps.flatMap((step) => (step.error ? [`${step.name}: ${step.error}`] : [])),
    quality,
    ...outputsOf(steps),
  };
  if (quality && !quality.passed)
    record.errors.push(`quality_checks: failed checks: ${quality.failedChecks.join(', ')}`);
  if (quality?.blocked?.length)
    record.errors.push(`quality_checks: blocking checks failed: ${quality.blocked.join(', ')}`);
  await writeRunRecord(lake, record);
  return record;
}
