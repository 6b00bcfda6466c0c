import { type FlowProducer, type Job, WaitingError } from 'bullmq';
import type { z } from 'zod';
import { abortable } from '../lib/abort.ts';
import type { Config } from '../lib/config.ts';
import type { PipelineDefinition } from '../lib/definition/define.ts';
import type { PipelineRegistry } from '../lib/definition/registry.ts';
import { InputError, PipelineError } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import type { Logger } from '../lib/logger.ts';
import { type JobPayload, type JobResult, jobRegistry, type QueueName } from '../lib/pipeline/jobs.ts';
import { finishRun } from '../lib/pipeline/lifecycle.ts';
import type { PipelineQueues } from '../lib/pipeline/queues.ts';
import { describeFailure, isFinalFailure, toJobErrorWithCode } from './job-errors.ts';
import { throttleProgress } from './progress.ts';

/** What every processor may use; built once per worker process. */
export interface WorkerDeps {
  config: Config;
  /** The pipelines this process loaded at start; a job of any other fails at once. */
  registry: PipelineRegistry;
  lake: DataLake;
  queues: PipelineQueues;
  /** Adds run flows (the schedule step enqueues runs). */
  flows: FlowProducer;
  logger: Logger;
  /** Aborted when the process begins to shut down: jobs handed over after that are given back. */
  stopping: AbortSignal;
}

/** The job as a processor sees it: its payload parsed, plus progress and log helpers for the board. */
export interface StepJob<Q extends QueueName> {
  id: string;
  data: JobPayload<Q>;
  /** The definition of the pipeline the payload names. */
  pipeline: PipelineDefinition;
  attemptsMade: number;
  /** When the job was due: a scheduler's fire time, else when it was added (ms since epoch). */
  dueAt: number;
  /** Results of this job's children, by child job key (`<prefix>:<queue>:<id>`). */
  childrenValues(): Promise<Record<string, unknown>>;
  /**
   * Progress for the board, from a loop: fire and forget; nothing in a step's first 50 ms, then a new
   * stage at once and at most one value per 250 ms within a stage (see `throttleProgress`); a failed
   * write is logged, never thrown.
   */
  reportProgress(value: number | object): void;
  /** A line in the job's log, shown by the board. */
  log(line: string): Promise<void>;
}

/** A thin processor: parsed job and abort signal in, the step's small result out. */
export type StepProcessor<Q extends QueueName> = (
  job: StepJob<Q>,
  signal: AbortSignal,
) => Promise<JobResult<Q>>;

/**
 * Wraps a step processor for BullMQ: parses the payload and resolves its pipeline (a bad payload or a
 * pipeline not loaded fails at once, never retried), enforces the step timeout, maps errors for BullMQ
 * (job-errors.ts), and writes the run record when the step fails for good, so a failed run never
 * waits for a parent that cannot run.
 */
export function toBullProcessor<Q extends QueueName>(
  queue: Q,
  processor: StepProcessor<Q>,
  deps: WorkerDeps,
) {
  return async (job: Job, token?: string, bullSignal?: AbortSignal): Promise<JobResult<Q>> => {
    const startedAt = Date.now();
    const log = deps.logger.child({ queue, jobId: job.id, attempt: job.attemptsMade + 1 });
    if (deps.stopping.aborted && token !== undefined) {
      // BullMQ can hand over a job while the worker closes (a fetch, or the next job returned with the
      // previous one's completion, already under way). It goes back to the queue unstarted, for
      // another worker, without using an attempt.
      await job.moveToWait(token);
      log.info('shutting down: job given back to the queue unstarted');
      throw new WaitingError();
    }
    const timeout = new AbortController();
    const timer = setTimeout(
      () =>
        timeout.abort(
          new PipelineError(`step timed out after ${deps.config.STEP_TIMEOUT_MS} ms`, {
            code: 'STEP_TIMEOUT',
            retryable: true,
          }),
        ),
      deps.config.STEP_TIMEOUT_MS,
    );
    const signal = bullSignal ? AbortSignal.any([timeout.signal, bullSignal]) : timeout.signal;
    try {
      const data = parsePayload(queue, job.data);
      const runId = 'runId' in data ? data.runId : undefined;
      const pipeline = deps.registry.get(data.pipeline);
      log.info({ runId, pipeline: pipeline.name }, 'step started');
      const result = await abortable(processor(stepJobOf<Q>(job, data, pipeline, log), signal), signal);
      log.info({ runId, ms: Date.now() - startedAt }, 'step finished');
      return result;
    } catch (error) {
      const final = isFinalFailure(error, job.attemptsMade + 1, job.opts.attempts);
      log.error({ err: error, final }, final ? 'step failed for good' : 'step failed; will retry');
      // The job log is for the board; the failure itself is in the worker log above and in BullMQ.
      await job
        .log(`attempt ${job.attemptsMade + 1} failed: ${describeFailure(error)}`)
        .catch(() => undefined);
      if (final) await recordFailure(job, error, startedAt, deps);
      throw toJobErrorWithCode(error);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Parses a child step's result (read back from Redis) with its queue's result schema.
 * @throws InputError `RESULT_INVALID`: permanent, since the stored result will not change on retry
 */
export function parseChildResult<Q extends QueueName>(queue: Q, value: unknown): JobResult<Q> {
  const what = `${queue} result from a child step`;
  return parseOrThrow(jobRegistry[queue].result, value, what, 'RESULT_INVALID') as JobResult<Q>;
}

function parsePayload<Q extends QueueName>(queue: Q, data: unknown): JobPayload<Q> {
  return parseOrThrow(
    jobRegistry[queue].payload,
    data,
    `${queue} payload`,
    'PAYLOAD_INVALID',
  ) as JobPayload<Q>;
}

/** Parses with `schema`; a mismatch is a permanent InputError listing every field that is wrong. */
function parseOrThrow(schema: z.ZodType, value: unknown, what: string, code: string): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new InputError(`invalid ${what}: ${problems.join('; ')}`, { code });
}

function stepJobOf<Q extends QueueName>(
  job: Job,
  data: JobPayload<Q>,
  pipeline: PipelineDefinition,
  log: Logger,
): StepJob<Q> {
  return {
    id: job.id as string,
    data,
    pipeline,
    attemptsMade: job.attemptsMade,
    // Jobs a job scheduler produces carry their fire time as `prevMillis`.
    dueAt: (job.opts as { prevMillis?: number }).prevMillis ?? job.timestamp + (job.delay ?? 0),
    childrenValues: () => job.getChildrenValues(),
    reportProgress: throttleProgress(
      (value: number | object) => job.updateProgress(value),
      (error) => log.warn({ err: error }, 'progress not written'),
    ),
    log: async (line) => {
      await job.log(line);
    },
  };
}

/**
 * Writes the run record of a step that failed for good (called from the processor's catch, and for a
 * job failed by the stalled-job check, which never reaches that catch). Never throws: the job fails
 * with its own error either way, and a record that cannot be written is logged.
 */
export async function recordFailure(
  job: Job,
  error: unknown,
  startedAt: number,
  deps: WorkerDeps,
  attempts = job.attemptsMade + 1,
): Promise<void> {
  const runId = (job.data as { runId?: unknown })?.runId;
  if (typeof runId !== 'string') return;
  try {
    const record = await finishRun({
      queues: deps.queues,
      lake: deps.lake,
      runId,
      ending: {
        jobId: job.id as string,
        status: 'failed',
        attempts,
        startedAt,
        error: describeFailure(error),
      },
    });
    deps.logger.warn({ runId, status: record.status }, 'run ended');
  } catch (recordError) {
    // The job still fails with its own error; the missing record is logged, not hidden.
    deps.logger.error({ err: recordError, runId }, 'could not write the run record');
  }
}
