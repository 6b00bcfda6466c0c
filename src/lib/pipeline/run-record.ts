import { Job } from 'bullmq';
import { PipelineError } from '../errors.ts';
import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { lakeKeys } from '../lake/keys.ts';
import {
  type IngestResult,
  jobIds,
  type QualityPayload,
  type QueueName,
  type RunStatus,
  type TransformResult,
} from './jobs.ts';
import type { PipelineQueues } from './queues.ts';

/** One step of a run as the record shows it. */
export interface StepRecord {
  name: string;
  queue: QueueName;
  jobId: string;
  /** A required step that fails fails the run; an optional one (quality, as in the seed) makes it partial. */
  required: boolean;
  /** `success`, `failed`, or the BullMQ state of a step that had not ended when the record was written. */
  status: string;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  result?: unknown;
  error?: string;
}

/** The record of one run, written to `runs/<runId>.json` when the run ends, whichever way. */
export interface RunRecord {
  runId: string;
  pipeline: string;
  date: string;
  suite: string;
  status: RunStatus;
  enqueuedAt: string | null;
  endedAt: string;
  durationMs: number | null;
  steps: StepRecord[];
  errors: string[];
  quality: { passed: boolean; overallScore: number | null; failedChecks: string[]; reportKey: string } | null;
  /** Every object read and written, with checksums. */
  lineage: { inputs: ObjectRef[]; outputs: ObjectRef[] };
}

interface StepPlan {
  name: string;
  queue: QueueName;
  jobId: string;
  required: boolean;
}

/** The steps of a run, from its quality payload (which lists the sources). */
export function planSteps(payload: QualityPayload): StepPlan[] {
  const { runId } = payload;
  return [
    ...payload.sources.map((source) => ({
      name: `ingest_${source}`,
      queue: 'ingest' as const,
      jobId: jobIds.ingest(runId, source),
      required: true,
    })),
    { name: 'transform', queue: 'transform', jobId: jobIds.transform(runId), required: true },
    { name: 'quality_checks', queue: 'quality', jobId: jobIds.quality(runId), required: false },
  ];
}

/** Reads a step's job back from BullMQ (a missing job, e.g. removed by retention, shows as `missing`). */
async function readStep(queues: PipelineQueues, plan: StepPlan): Promise<StepRecord> {
  // Both at once: one round trip instead of two.
  const [job, state] = await Promise.all([
    Job.fromId(queues[plan.queue], plan.jobId),
    queues[plan.queue].getJobState(plan.jobId),
  ]);
  if (!job)
    return { ...plan, status: 'missing', attempts: 0, startedAt: null, endedAt: null, durationMs: null };
  const status = state === 'completed' ? 'success' : state;
  return {
    ...plan,
    status,
    attempts: job.attemptsMade,
    startedAt: iso(job.processedOn),
    endedAt: iso(job.finishedOn),
    durationMs: job.processedOn && job.finishedOn ? job.finishedOn - job.processedOn : null,
    ...(state === 'completed' ? { result: job.returnvalue } : {}),
    ...(job.failedReason && state === 'failed' ? { error: job.failedReason } : {}),
  };
}

/** The step that ends the run, from what it knows of itself (its job is not read back). */
function endingStep(plan: StepPlan, ending: EndingStep, endedAt: number): StepRecord {
  return {
    ...plan,
    status: ending.status,
    attempts: ending.attempts,
    startedAt: iso(ending.startedAt),
    endedAt: iso(endedAt),
    durationMs: endedAt - ending.startedAt,
    ...(ending.result !== undefined ? { result: ending.result } : {}),
    ...(ending.error !== undefined ? { error: ending.error } : {}),
  };
}

/**
 * The run status from its steps: `failed` when a required step failed, `partial` when every required
 * step succeeded but the quality gate failed or an optional step failed, `success` otherwise.
 */
export function decideStatus(steps: readonly StepRecord[], qualityPassed: boolean | null): RunStatus {
  if (steps.some((step) => step.required && step.status !== 'success')) return 'failed';
  if (steps.some((step) => !step.required && step.status !== 'success')) return 'partial';
  return qualityPassed === false ? 'partial' : 'success';
}

/** Lineage from the steps' results: what the ingestions and the transform read and wrote. */
export function lineageOf(steps: readonly StepRecord[]): RunRecord['lineage'] {
  const inputs: ObjectRef[] = [];
  const outputs: ObjectRef[] = [];
  for (const step of steps) {
    if (step.status !== 'success' || !step.result) continue;
    if (step.queue === 'ingest') outputs.push((step.result as IngestResult).landing);
    if (step.queue === 'transform') {
      const result = step.result as TransformResult;
      inputs.push(...result.inputs);
      outputs.push(result.outputs.cleaned, result.outputs.enriched, result.outputs.summary);
    }
  }
  return { inputs, outputs };
}

/** Writes the record to `runs/<runId>.json` (replacing an earlier one of the same run). */
export async function writeRunRecord(lake: DataLake, record: RunRecord): Promise<ObjectRef> {
  return lake.writeJson(lakeKeys.run(record.runId), record);
}

/** Reads a run record; rejects with `NOT_FOUND` when the run has not ended (or does not exist). */
export async function readRunRecord(lake: DataLake, runId: string): Promise<RunRecord> {
  return lake.readJson<RunRecord>(lakeKeys.run(runId));
}

/** What the step that ends the run knows of itself (its job is still active while the record is written). */
export interface EndingStep {
  jobId: string;
  status: 'success' | 'failed';
  attempts: number;
  startedAt: number;
  result?: unknown;
  error?: string;
}

/**
 * Writes the run record when a run ends: called by the quality step when it finishes, and by any
 * step that fails for good. Reads the plan from the root job, every other step's state from BullMQ, and
 * derives status, errors and lineage.
 */
export async function finishRun(options: {
  queues: PipelineQueues;
  lake: DataLake;
  runId: string;
  ending: EndingStep;
  quality?: RunRecord['quality'];
}): Promise<RunRecord> {
  const { queues, lake, runId, ending } = options;
  const root = await Job.fromId<QualityPayload>(queues.quality, jobIds.quality(runId));
  if (!root) {
    throw new PipelineError(
      `run ${runId}: its root job ${jobIds.quality(runId)} is gone; no run record written`,
      {
        code: 'RUN_NOT_FOUND',
      },
    );
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
    suite: root.data.suite,
    status: decideStatus(steps, quality ? quality.passed : null),
    enqueuedAt: iso(root.timestamp),
    endedAt: iso(endedAt) as string,
    durationMs: root.timestamp ? endedAt - root.timestamp : null,
    steps,
    errors: steps.flatMap((step) => (step.error ? [`${step.name}: ${step.error}`] : [])),
    quality,
    lineage: lineageOf(steps),
  };
  if (quality && !quality.passed)
    record.errors.push(`quality_checks: failed checks: ${quality.failedChecks.join(', ')}`);
  await writeRunRecord(lake, record);
  return record;
}

function iso(ms: number | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}
