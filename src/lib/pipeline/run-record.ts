import { Job } from 'bullmq';
import { InputError } from '../errors.ts';
import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { lakeKeys } from '../lake/keys.ts';
import type { IngestResult, RunStatus, TransformResult } from './jobs.ts';
import { parseRunId, prerequisitesOf, type StepPlan } from './lifecycle.ts';
import type { PipelineQueues } from './queues.ts';

/** One step of a run as the record shows it. */
export interface StepRecord extends StepPlan {
  /** `success`, `failed`, or the BullMQ state of a step that had not ended when the record was written. */
  status: string;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  result?: unknown;
  error?: string;
}

/** The record of one run, written to `<pipeline>/runs/<runId>.json` when the run ends, whichever way. */
export interface RunRecord {
  runId: string;
  pipeline: string;
  date: string;
  /** The quality suite run; `null` for a pipeline without suites. */
  suite: string | null;
  status: RunStatus;
  enqueuedAt: string | null;
  endedAt: string;
  durationMs: number | null;
  steps: StepRecord[];
  errors: string[];
  quality: {
    passed: boolean;
    overallScore: number | null;
    failedChecks: string[];
    /** Checks that ended `warn`: reported, the run stays `success` (absent in records of older runs). */
    warnings?: string[];
    /** Checks declared `blocking` that ended `error`: they fail the run (absent in older records). */
    blocked?: string[];
    /** Each check's outcome, in the suite's order (absent in records of older runs). */
    checks?: CheckSummary[];
    reportKey: string;
  } | null;
  /** Rows quarantined by source or dataset (absent in records of older runs; empty when none were). */
  quarantined?: Record<string, number>;
  /** The output datasets the transform wrote, by name (empty when it did not succeed). */
  datasets: Record<string, ObjectRef>;
  /**
   * Every object read and written, with checksums: inputs are what the transform read (dimension
   * snapshots of earlier dates included), outputs every landing object and every dataset written.
   */
  lineage: { inputs: ObjectRef[]; outputs: ObjectRef[] };
}

/** One check of a run as its record shows it: enough for metrics and tables without the report. */
export interface CheckSummary {
  name: string;
  outcome: 'pass' | 'warn' | 'error';
  score: number;
  failingRows: number | null;
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

/** Reads a step's job back from BullMQ (a missing job, e.g. removed by retention, shows as `missing`). */
export async function readStep(queues: PipelineQueues, plan: StepPlan): Promise<StepRecord> {
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
export function endingStep(plan: StepPlan, ending: EndingStep, endedAt: number): StepRecord {
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
 * The run status from its steps: `failed` when a required step failed or a blocking check ended
 * `error`, `partial` when every required step succeeded but the quality gate failed or an optional
 * step failed, `success` otherwise (warnings included).
 */
export function decideStatus(
  steps: readonly StepRecord[],
  quality: Pick<NonNullable<RunRecord['quality']>, 'passed' | 'blocked'> | null,
): RunStatus {
  if (steps.some((step) => step.required && step.status !== 'success')) return 'failed';
  if (quality?.blocked && quality.blocked.length > 0) return 'failed';
  const qualityPassed = quality ? quality.passed : null;
  if (steps.some((step) => !step.required && step.status !== 'success')) return 'partial';
  return qualityPassed === false ? 'partial' : 'success';
}

/**
 * The datasets, quarantined rows and lineage from the steps' results: what the ingestions and the
 * transform read and wrote (quarantine objects are outputs too).
 */
export function outputsOf(
  steps: readonly StepRecord[],
): Pick<RunRecord, 'datasets' | 'lineage'> & { quarantined: Record<string, number> } {
  const inputs: ObjectRef[] = [];
  const outputs: ObjectRef[] = [];
  const quarantined: Record<string, number> = {};
  let datasets: Record<string, ObjectRef> = {};
  for (const step of steps) {
    if (step.status !== 'success' || !step.result) continue;
    if (step.queue === 'ingest') {
      const result = step.result as IngestResult;
      outputs.push(result.landing);
      // Results of runs before quarantines existed have no field.
      if (result.quarantine) {
        quarantined[result.source] = result.quarantine.ref.rows;
        outputs.push(result.quarantine.ref);
      }
    }
    if (step.queue === 'transform') {
      const result = step.result as TransformResult;
      inputs.push(...result.inputs);
      datasets = result.outputs;
      outputs.push(...Object.values(result.outputs));
    }
  }
  return { datasets, quarantined, lineage: { inputs, outputs } };
}

/** Writes the record to `<pipeline>/runs/<runId>.json` (replacing an earlier one of the same run). */
export async function writeRunRecord(lake: DataLake, record: RunRecord): Promise<ObjectRef> {
  return lake.writeJson(lakeKeys.run(record.pipeline, record.runId), record);
}

/**
 * Reads a run record; rejects with `NOT_FOUND` when the run has not ended (or does not exist).
 * @throws InputError `INVALID_RUN_ID` for an id no run can have
 */
export async function readRunRecord(lake: DataLake, runId: string): Promise<RunRecord> {
  return lake.readJson<RunRecord>(runRecordKey(runId));
}

/**
 * Where a run's record is: the pipeline comes from the run id.
 * @throws InputError `INVALID_RUN_ID` for an id no run can have
 */
export function runRecordKey(runId: string): string {
  const parts = parseRunId(runId);
  if (!parts) {
    throw new InputError(
      `invalid run id ${JSON.stringify(runId)}: expected <pipeline>-<YYYY-MM-DD>[-r<tag>]`,
      {
        code: 'INVALID_RUN_ID',
      },
    );
  }
  return lakeKeys.run(parts.pipeline, runId);
}

/** Where a step's time went: waiting in its queue, then working. */
export interface StepTimes {
  /** When the step could run: the run's enqueue for an ingestion, else its prerequisites' last end. */
  readyAt: string | null;
  /**
   * Queue wait, `startedAt - readyAt` (retries and their backoff included); for a ready step of a run
   * in progress not yet started, the wait so far (until `now`); otherwise `null` (not ready yet, or
   * never started).
   */
  waitMs: number | null;
  /** Work, `endedAt - startedAt` (the step's `durationMs`); `null` until it has ended. */
  workMs: number | null;
}

/**
 * Queue wait and work of each step of a run (in the steps' order), from its record (or its steps read
 * so far): a step is ready when the run was enqueued (ingestions) or when its last prerequisite ended.
 * @param now for a run in progress: a ready step not yet started has waited until then
 */
export function stepTimes(
  run: { enqueuedAt: string | null; steps: readonly Pick<StepRecord, 'queue' | 'startedAt' | 'endedAt'>[] },
  now?: number,
): StepTimes[] {
  const ms = (value: string | null | undefined) => (value ? Date.parse(value) : Number.NaN);
  const enqueued = ms(run.enqueuedAt);
  return run.steps.map((step) => {
    const before = prerequisitesOf(step, run.steps);
    const ends = before.map((other) => ms(other.endedAt));
    // Not ready while a prerequisite has not ended (or the run's enqueue time is unknown).
    const ready = before.length === 0 ? enqueued : ends.some(Number.isNaN) ? Number.NaN : Math.max(...ends);
    const started = ms(step.startedAt);
    const ended = ms(step.endedAt);
    const readyAt = Number.isNaN(ready) ? null : ready;
    const waitUntil = !Number.isNaN(started) ? started : Number.isNaN(ended) ? now : undefined;
    return {
      readyAt: readyAt === null ? null : iso(readyAt),
      waitMs: readyAt === null || waitUntil === undefined ? null : Math.max(0, waitUntil - readyAt),
      workMs: Number.isNaN(started) || Number.isNaN(ended) ? null : Math.max(0, ended - started),
    };
  });
}

/** An ISO timestamp of epoch milliseconds, or `null` for none. */
export function iso(ms: number | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}
