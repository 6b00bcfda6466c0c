import { EventEmitter } from 'node:events';
import { Job, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { pipelineNameSchema, QUEUE_NAMES, type QueueName, runStatusSchema } from '../lib/pipeline/jobs.ts';
import { parseRunId, stepOfJobId } from '../lib/pipeline/lifecycle.ts';
import type { PipelineQueues } from '../lib/pipeline/queues.ts';
import { createRedis } from '../lib/redis.ts';
import type { RunStore } from './run-store.ts';

/** Step durations run from milliseconds (tiny test partitions) to the 10-minute step timeout. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** The job states the queue gauge reports (BullMQ's `getJobCounts` defaults). */
export const JOB_STATES = [
  'active',
  'completed',
  'delayed',
  'failed',
  'paused',
  'prioritized',
  'waiting',
  'waiting-children',
] as const;

/** What {@link createBoardMetrics} reads from and subscribes to. */
export interface BoardMetricsOptions {
  queues: PipelineQueues;
  runs: RunStore;
  /** QueueEvents block on XREAD, so each gets its own connection (worker role: reconnects forever). */
  redisUrl: string;
  prefix: string;
  logger: Logger;
}

/** A job end this process has counted (emitted as `'job'` on {@link BoardMetrics.events}). */
export interface CountedJob {
  queue: QueueName;
  /** The job's pipeline (from its payload or its run id), `unknown` when neither tells. */
  pipeline: string;
  jobId: string;
  outcome: 'completed' | 'failed';
}

/** The board's Prometheus metrics: its own registry (never prom-client's global one). */
export interface BoardMetrics {
  registry: Registry;
  /** Emits `'job'` with a {@link CountedJob} once a job end is in the metrics (tests wait on it). */
  events: EventEmitter;
  /** Subscribes to every queue's events; durations and failures count from then on. */
  start(): Promise<void>;
  /** The exposition text for one scrape (reads queue counts and run records now). */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds the board's metrics:
 * - `lakeflow_queue_jobs{queue,state}`: jobs per queue and state, read from Redis on each scrape;
 * - `lakeflow_job_duration_seconds{queue,pipeline}`: processing time (finishedOn − processedOn) of
 *   completed jobs;
 * - `lakeflow_job_failures_total{queue,pipeline}`: jobs that failed for good (after their retries);
 * - `lakeflow_runs{pipeline,status}`: run records in the lake by pipeline and status (counted at most
 *   every ~10 s);
 * - `lakeflow_board_*`: the board process's own CPU, memory and event-loop metrics.
 * Durations and failures are counted from the events this process sees, from its start on.
 */
export function createBoardMetrics(options: BoardMetricsOptions): BoardMetrics {
  const { queues, runs, logger } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lakeflow_board_' });

  new Gauge({
    name: 'lakeflow_queue_jobs',
    help: 'Jobs per pipeline queue and state, at scrape time.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const counts = await Promise.all(QUEUE_NAMES.map((name) => queues[name].getJobCounts(...JOB_STATES)));
      QUEUE_NAMES.forEach((queue, i) => {
        for (const state of JOB_STATES) this.set({ queue, state }, counts[i]?.[state] ?? 0);
      });
    },
  });
  new Gauge({
    name: 'lakeflow_runs',
    help: 'Run records in the lake by pipeline and run status (success, partial, failed).',
    labelNames: ['pipeline', 'status'],
    registers: [registry],
    async collect() {
      const counts = await runs.countByStatus();
      for (const [pipeline, byStatus] of Object.entries(counts)) {
        for (const status of runStatusSchema.options) this.set({ pipeline, status }, byStatus[status]);
      }
    },
  });
  const durations = new Histogram({
    name: 'lakeflow_job_duration_seconds',
    help: 'Processing time of completed jobs (finishedOn - processedOn), per queue and pipeline.',
    labelNames: ['queue', 'pipeline'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'lakeflow_job_failures_total',
    help: 'Jobs that failed for good (retries exhausted or a permanent error), per queue and pipeline.',
    labelNames: ['queue', 'pipeline'],
    registers: [registry],
  });
  // Every queue's series of every loaded pipeline exists from the first scrape, so rate() and alerts
  // see 0 rather than nothing.
  for (const queue of QUEUE_NAMES) {
    for (const pipeline of runs.pipelines) {
      durations.zero({ queue, pipeline });
      failures.inc({ queue, pipeline }, 0);
    }
  }

  const emitter = new EventEmitter();
  const connections: Redis[] = [];
  const events: QueueEvents[] = [];

  const onCompleted = async (queue: QueueName, jobId: string) => {
    let pipeline = pipelineOfJobId(jobId);
    try {
      // The event carries no timestamps; the job hash has them (it is kept for KEEP_COMPLETED_SECONDS).
      const job = await Job.fromId(queues[queue], jobId);
      pipeline = pipelineOfData(job?.data) ?? pipeline;
      if (job?.processedOn && job.finishedOn)
        durations.observe({ queue, pipeline }, (job.finishedOn - job.processedOn) / 1000);
    } catch (error) {
      logger.debug({ queue, jobId, err: errorMessage(error) }, 'no duration for a completed job');
    }
    emitter.emit('job', { queue, pipeline, jobId, outcome: 'completed' } satisfies CountedJob);
  };
  const onFailed = async (queue: QueueName, jobId: string) => {
    let pipeline = pipelineOfJobId(jobId);
    if (pipeline === UNKNOWN) {
      // A schedule's fire (its id is the scheduler's): the payload names the pipeline.
      const job = await Job.fromId(queues[queue], jobId).catch(() => undefined);
      pipeline = pipelineOfData(job?.data) ?? pipeline;
    }
    failures.inc({ queue, pipeline });
    emitter.emit('job', { queue, pipeline, jobId, outcome: 'failed' } satisfies CountedJob);
  };

  return {
    registry,
    events: emitter,
    async start() {
      for (const queue of QUEUE_NAMES) {
        const connection = createRedis(options.redisUrl, 'worker');
        connection.on('error', (error) => logger.warn({ err: errorMessage(error) }, 'metrics redis error'));
        connections.push(connection);
        const queueEvents = new QueueEvents(queue, { connection, prefix: options.prefix });
        queueEvents.on('completed', ({ jobId }) => void onCompleted(queue, jobId));
        queueEvents.on('failed', ({ jobId }) => void onFailed(queue, jobId));
        queueEvents.on('error', (error) => logger.warn({ err: errorMessage(error), queue }, 'queue events'));
        events.push(queueEvents);
      }
      await Promise.all(events.map((queueEvents) => queueEvents.waitUntilReady()));
    },
    scrape: () => registry.metrics(),
    async close() {
      await Promise.allSettled(events.map((queueEvents) => queueEvents.close()));
      for (const connection of connections) connection.disconnect();
      registry.clear();
    },
  };
}

const UNKNOWN = 'unknown';

/** The pipeline of a run step's job id, from its run id; `unknown` for any other id. */
function pipelineOfJobId(jobId: string): string {
  const step = stepOfJobId(jobId);
  return (step && parseRunId(step.runId)?.pipeline) ?? UNKNOWN;
}

/** The pipeline a job's payload names, if it names one. */
function pipelineOfData(data: unknown): string | undefined {
  const pipeline = (data as { pipeline?: unknown } | undefined)?.pipeline;
  return pipelineNameSchema.safeParse(pipeline).success ? (pipeline as string) : undefined;
}
