import type { FlowProducer, Job } from 'bullmq';
import type { Config } from '../lib/config.ts';
import { errorMessage, InputError, isPermanent, PipelineError, toJobError } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import type { Logger } from '../lib/logger.ts';
import { type JobPayload, type JobResult, jobRegistry, type QueueName } from '../lib/pipeline/jobs.ts';
import type { PipelineQueues } from '../lib/pipeline/queues.ts';
import { finishRun } from '../lib/pipeline/run-record.ts';

/** What every processor may use; built once per worker process. */
export interface WorkerDeps {
  config: Config;
  lake: DataLake;
  queues: PipelineQueues;
  /** Adds run flows (the schedule step enqueues runs). */
  flows: FlowProducer;
  logger: Logger;
}

/** The job as a processor sees it: its payload parsed, plus progress and log helpers for the board. */
export interface StepJob<Q extends QueueName> {
  id: string;
  data: JobPayload<Q>;
  attemptsMade: number;
  /** When the job was due: a scheduler's fire time, else when it was added (ms since epoch). */
  dueAt: number;
  /** Results of this job's children, by child job key (`<prefix>:<queue>:<id>`). */
  childrenValues(): Promise<Record<string, unknown>>;
  progress(value: number | object): Promise<void>;
  /** A line in the job's log, shown by the board. */
  log(line: string): Promise<void>;
}

/** A thin processor: parsed job and abort signal in, the step's small result out. */
export type StepProcessor<Q extends QueueName> = (
  job: StepJob<Q>,
  signal: AbortSignal,
) => Promise<JobResult<Q>>;

/**
 * Wraps a step processor for BullMQ: parses the payload (a bad one fails at once, never retried),
 * enforces the step timeout, maps permanent errors to `UnrecoverableError`, and writes the run record
 * when the step fails for good, so a failed run never waits for a parent that cannot run.
 */
export function toBullProcessor<Q extends QueueName>(
  queue: Q,
  processor: StepProcessor<Q>,
  deps: WorkerDeps,
) {
  return async (job: Job, _token?: string, bullSignal?: AbortSignal): Promise<JobResult<Q>> => {
    const startedAt = Date.now();
    const log = deps.logger.child({ queue, jobId: job.id, attempt: job.attemptsMade + 1 });
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
      log.info({ runId }, 'step started');
      const result = await abortable(processor(stepJobOf<Q>(job, data), signal), signal);
      log.info({ runId, ms: Date.now() - startedAt }, 'step finished');
      return result;
    } catch (error) {
      const final = isPermanent(error) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log.error({ err: error, final }, final ? 'step failed for good' : 'step failed; will retry');
      await job.log(`attempt ${job.attemptsMade + 1} failed: ${errorMessage(error)}`).catch(() => undefined);
      if (final) await recordFailure(job, error, startedAt, deps);
      throw toJobError(error);
    } finally {
      clearTimeout(timer);
    }
  };
}

function parsePayload<Q extends QueueName>(queue: Q, data: unknown): JobPayload<Q> {
  const parsed = jobRegistry[queue].payload.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`,
    );
    throw new InputError(`invalid ${queue} payload: ${problems.join('; ')}`, { code: 'PAYLOAD_INVALID' });
  }
  return parsed.data as JobPayload<Q>;
}

function stepJobOf<Q extends QueueName>(job: Job, data: JobPayload<Q>): StepJob<Q> {
  return {
    id: job.id as string,
    data,
    attemptsMade: job.attemptsMade,
    // Jobs a job scheduler produces carry their fire time as `prevMillis`.
    dueAt: (job.opts as { prevMillis?: number }).prevMillis ?? job.timestamp + (job.delay ?? 0),
    childrenValues: () => job.getChildrenValues(),
    progress: (value) => job.updateProgress(value),
    log: async (line) => {
      await job.log(line);
    },
  };
}

/** Rejects as soon as the signal aborts, even if the work ignores it (a stuck call must not hold the job). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function recordFailure(job: Job, error: unknown, startedAt: number, deps: WorkerDeps): Promise<void> {
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
        attempts: job.attemptsMade + 1,
        startedAt,
        error: errorMessage(error),
      },
    });
    deps.logger.warn({ runId, status: record.status }, 'run ended');
  } catch (recordError) {
    // The job still fails with its own error; the missing record is logged, not hidden.
    deps.logger.error({ err: recordError, runId }, 'could not write the run record');
  }
}
