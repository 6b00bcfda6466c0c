import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { errorMessage } from '../lib/errors.ts';
import type { QueueName, RunStatus } from '../lib/pipeline/jobs.ts';
import { readRootJob, stepOfJobId } from '../lib/pipeline/lifecycle.ts';
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
  detail?: string;
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

  private constructor(
    private readonly producer: Producer,
    private readonly events: QueueEvents[],
    private readonly connections: Redis[],
    private readonly onStep: (event: StepEvent) => void,
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
    return new RunFollower(producer, events, connections, onStep ?? (() => undefined));
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
    const step = source !== undefined ? `ingest-${source}` : queue;
    this.onStep({ runId, step, event, ...(reason ? { detail: reason } : {}) });
    if (queue === 'quality') void this.settle(runId, reason);
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
