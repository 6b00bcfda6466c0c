import { Job, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { errorMessage } from '../lib/errors.ts';
import type { QueueName, RunStatus } from '../lib/pipeline/jobs.ts';
import { planSteps, prerequisitesOf, readRootJob, stepOfJobId } from '../lib/pipeline/lifecycle.ts';
import type { Producer } from '../lib/pipeline/producer.ts';
import { type RunRecord, readRunRecord } from '../lib/pipeline/run-record.ts';
import { createRedis } from '../lib/redis.ts';

/** How a followed run ended: its record, or (if none could be read) the root job's failure. */
export interface RunOutcome {
  runId: string;
  status: RunStatus | 'timeout';
  record: RunRecord | null;
  error?: string;
}

/** A step event of a followed run, for progress lines. */
export interface StepEvent {
  runId: string;
  step: string;
  event: 'completed' | 'failed';
  /** Why a step failed; for a completed step, its queue wait and work ({@link formatStepTimes}). */
  detail?: string;
  /**
   * Time the step's job waited in its queue: from when it became ready (enqueued, for an ingestion;
   * its prerequisites' last end, for the others) to when a worker took it (`processedOn`, so retries
   * and their backoff count as wait). `null` when it never started or its jobs are gone.
   */
  waitMs: number | null;
  /** Time a worker worked on it, `finishedOn - processedOn`; `null` when it never started. */
  workMs: number | null;
  /**
   * For a completed quality step, the checks that ended `warn` (the run stays `success`, so the
   * progress line says so); absent otherwise.
   */
  warnings?: string[];
}

/** `wait 0.12s, work 1.30s` (a part unknown is left out); empty when both are unknown. */
export function formatStepTimes(times: Pick<StepEvent, 'waitMs' | 'workMs'>): string {
  const parts: string[] = [];
  if (times.waitMs !== null) parts.push(`wait ${seconds(times.waitMs)}`);
  if (times.workMs !== null) parts.push(`work ${seconds(times.workMs)}`);
  return parts.join(', ');
}

/** Milliseconds as seconds with two decimals: `1.30s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

/** The warnings of a quality step's result (results of older releases have none). */
function warningsOf(result: unknown): string[] | undefined {
  const warnings = (result as { warnings?: unknown } | null | undefined)?.warnings;
  return Array.isArray(warnings)
    ? warnings.filter((name): name is string => typeof name === 'string')
    : undefined;
}

/**
 * Follows runs to their end through BullMQ queue events. Open it before enqueueing, so no event is
 * missed; runs that had already ended are read back at once.
 */
export class RunFollower {
  private readonly pending = new Map<string, (outcome: RunOutcome) => void>();
  private readonly outcomes = new Map<string, Promise<RunOutcome>>();
  /** The last Redis error since the connection was last ready; a timed-out wait reports it. */
  private redisError: Error | undefined;
  /** Step events are handled in the order they arrive, each after its job's times are read. */
  private handling: Promise<void> = Promise.resolve();

  private constructor(
    private readonly producer: Producer,
    private readonly events: QueueEvents[],
    private readonly connections: Redis[],
    private readonly onStep: ((event: StepEvent) => void) | undefined,
  ) {
    // QueueEvents reconnects on its own; meanwhile the error is kept to explain a wait that times out.
    for (const connection of connections) {
      connection.on('error', (error) => {
        this.redisError = error;
      });
      connection.on('ready', () => {
        this.redisError = undefined;
      });
    }
    for (const queueEvents of events) {
      queueEvents.on('completed', ({ jobId }) => this.onJobEnd(jobId, 'completed'));
      queueEvents.on('failed', ({ jobId, failedReason }) => this.onJobEnd(jobId, 'failed', failedReason));
    }
  }

  /**
   * Subscribes to queue events: the root (`quality`) queue's, which end every run (a failed step fails
   * its parents up to the root), plus ingest's and transform's when `onStep` wants each step's end.
   * Each subscription reads every event of its queue, so a follower without `onStep` costs a third.
   */
  static async open(producer: Producer, onStep?: (event: StepEvent) => void): Promise<RunFollower> {
    const { config } = producer;
    const names: QueueName[] = onStep ? ['ingest', 'transform', 'quality'] : ['quality'];
    const connections = names.map(() => createRedis(config.REDIS_URL, 'worker'));
    const events = names.map(
      (name, i) =>
        new QueueEvents(name, { connection: connections[i] as Redis, prefix: config.QUEUE_PREFIX }),
    );
    await Promise.all(events.map((queueEvents) => queueEvents.waitUntilReady()));
    return new RunFollower(producer, events, connections, onStep);
  }

  /**
   * Resolves when every run has ended or the timeout passes (those runs end as `timeout`, with the
   * Redis error if Redis was unreachable). Waits may overlap: each times out only its own runs, and a
   * run that ends after a wait timed out still settles for the next wait.
   */
  async wait(runIds: readonly string[], timeoutMs: number): Promise<RunOutcome[]> {
    for (const runId of runIds) this.track(runId);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      return await Promise.all(
        runIds.map((runId) =>
          Promise.race([
            this.outcomes.get(runId) as Promise<RunOutcome>,
            timedOut.then((): RunOutcome => {
              const error = this.redisError && `Redis unavailable: ${this.redisError.message}`;
              return { runId, status: 'timeout', record: null, ...(error ? { error } : {}) };
            }),
          ]),
        ),
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private track(runId: string): void {
    if (this.outcomes.has(runId)) return;
    this.outcomes.set(runId, new Promise((resolve) => this.pending.set(runId, resolve)));
    // A run that ended before we listened (or a re-enqueued finished run) is settled from its state.
    void readRootJob(this.producer.queues, runId)
      .then(async (root) => {
        const state = root ? await root.getState() : 'missing';
        if (state === 'completed' || state === 'failed') await this.settle(runId, root?.failedReason);
      })
      .catch((error: unknown) => {
        // A run still running ends with an event later; one that had already ended is only reported
        // by the wait's timeout, which then names this error.
        this.redisError = error instanceof Error ? error : new Error(String(error));
      });
  }

  private onJobEnd(jobId: string, event: 'completed' | 'failed', reason?: string): void {
    const parsed = stepOfJobId(jobId);
    if (!parsed || !this.pending.has(parsed.runId)) return;
    const { runId, queue, source } = parsed;
    const onStep = this.onStep;
    if (!onStep) {
      if (queue === 'quality') void this.settle(runId, reason);
      return;
    }
    const step = source !== undefined ? `ingest-${source}` : queue;
    this.handling = this.handling.then(async () => {
      const info: Pick<StepEvent, 'waitMs' | 'workMs' | 'warnings'> = await this.timesOf(
        runId,
        queue,
        jobId,
      ).catch(() => ({ waitMs: null, workMs: null }));
      // A failed step has no result, so no warnings; only its reason is shown.
      const { warnings, ...times } = info;
      const detail = event === 'failed' ? reason : formatStepTimes(times);
      try {
        onStep({
          runId,
          step,
          event,
          ...(detail ? { detail } : {}),
          ...times,
          ...(warnings && event === 'completed' ? { warnings } : {}),
        });
      } finally {
        if (queue === 'quality') await this.settle(runId, reason);
      }
    });
  }

  /** A step's queue wait and work, from its job and (for a step with prerequisites) theirs. */
  private async timesOf(
    runId: string,
    queue: QueueName,
    jobId: string,
  ): Promise<Pick<StepEvent, 'waitMs' | 'workMs' | 'warnings'>> {
    const { queues } = this.producer;
    const [job, root] = await Promise.all([Job.fromId(queues[queue], jobId), readRootJob(queues, runId)]);
    if (!job) return { waitMs: null, workMs: null };
    const warnings = queue === 'quality' ? warningsOf(job.returnvalue) : undefined;
    const plan = root ? planSteps(root.data) : [];
    const self = plan.find((candidate) => candidate.jobId === jobId);
    const before = self ? prerequisitesOf(self, plan) : [];
    const ends = await Promise.all(
      before.map(async (other) => (await Job.fromId(queues[other.queue], other.jobId))?.finishedOn),
    );
    const readyAt =
      before.length === 0
        ? job.timestamp
        : ends.some((end) => !end)
          ? undefined
          : Math.max(...(ends as number[]));
    const started = job.processedOn;
    return {
      waitMs: started && readyAt ? Math.max(0, started - readyAt) : null,
      workMs: started && job.finishedOn ? Math.max(0, job.finishedOn - started) : null,
      ...(warnings && warnings.length > 0 ? { warnings } : {}),
    };
  }

  private async settle(runId: string, failedReason?: string): Promise<void> {
    const resolve = this.pending.get(runId);
    if (!resolve) return;
    this.pending.delete(runId);
    try {
      const record = await readRunRecord(this.producer.lake, runId);
      resolve({ runId, status: record.status, record });
    } catch (error) {
      // The root ended but no record could be read: report the failure we know of.
      resolve({ runId, status: 'failed', record: null, error: failedReason ?? errorMessage(error) });
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.events.map((queueEvents) => queueEvents.close()));
    for (const connection of this.connections) connection.disconnect();
  }
}
