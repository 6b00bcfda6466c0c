import { EventEmitter } from 'node:events';
import { Job, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PipelineRegistry } from '../lib/definition/registry.ts';
import { errorMessage } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import type { Logger } from '../lib/logger.ts';
import { pipelineNameSchema, QUEUE_NAMES, type QueueName } from '../lib/pipeline/jobs.ts';
import { parseRunId, stepOfJobId } from '../lib/pipeline/lifecycle.ts';
import type { PipelineQueues } from '../lib/pipeline/queues.ts';
import { createRedis } from '../lib/redis.ts';
import { registerQualityMetrics } from './metrics-quality.ts';
import { registerRunMetrics } from './metrics-runs.ts';
import { RunRecordCache } from './run-record-cache.ts';
import type { RunStore } from './run-store.ts';
import { isParentFailure } from './run-summary.ts';

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
  /** Reads run records; its pipelines are the ones whose runs are counted. */
  runs: RunStore;
  /** The lake the run records are listed from. */
  lake: DataLake;
  /** How long a listing of the run records' keys is reused (default 10 000 ms; 0: every scrape). */
  listIntervalMs?: number;
  /**
   * The loaded pipelines' definitions: the `dataset` label of the check metrics comes from a run's
   * suite in them; without them, from the run's report key (the dataset the run did check).
   */
  definitions?: PipelineRegistry;
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
  /** A parent BullMQ failed because its child failed: not counted (the child was). */
  parentFailure?: boolean;
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
 *   completed jobs, from the queue events this process sees (from its start on);
 * - `lakeflow_job_failures_total{queue,pipeline}`: jobs that failed for good of their own cause, from
 *   the same events (a parent that BullMQ fails because its child failed is not counted again);
 * - the per-pipeline run metrics of {@link registerRunMetrics} (runs by status, last run times, run
 *   durations, rows in and out, step failures, quality scores) and of {@link registerQualityMetrics}
 *   (each check's outcome and failing rows, warnings, quarantined rows), computed from the run records
 *   in the lake, so they survive a restart of the board;
 * - `lakeflow_board_*`: the board process's own CPU, memory and event-loop metrics.
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
  const records = new RunRecordCache({
    lake: options.lake,
    runs,
    logger,
    ...(options.listIntervalMs !== undefined ? { listIntervalMs: options.listIntervalMs } : {}),
    ...(options.definitions ? { definitions: options.definitions } : {}),
  });
  registerRunMetrics(registry, records);
  registerQualityMetrics(registry, records);
  const durations = new Histogram({
    name: 'lakeflow_job_duration_seconds',
    help: 'Processing time of completed jobs (finishedOn - processedOn), per queue and pipeline.',
    labelNames: ['queue', 'pipeline'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'lakeflow_job_failures_total',
    help: 'Jobs that failed for good of their own cause (a parent failed for its child is not counted), per queue and pipeline.',
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
    // The root's end is the run's end: its record is (re)written by then.
    const step = stepOfJobId(jobId);
    if (step?.queue === 'quality' && queue === 'quality') records.markChanged(step.runId);
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
  const onFailed = async (queue: QueueName, jobId: string, failedReason: string | undefined) => {
    // A step that fails for good writes its run's record before BullMQ marks it failed.
    const step = stepOfJobId(jobId);
    if (step) records.markChanged(step.runId);
    let pipeline = pipelineOfJobId(jobId);
    if (pipeline === UNKNOWN) {
      // A schedule's fire (its id is the scheduler's): the payload names the pipeline.
      const job = await Job.fromId(queues[queue], jobId).catch(() => undefined);
      pipeline = pipelineOfData(job?.data) ?? pipeline;
    }
    // A failed ingestion fails the transform and the quality root after it (failParentOnFailure):
    // one failure, counted at its cause only.
    const parentFailure = isParentFailure(failedReason);
    if (!parentFailure) failures.inc({ queue, pipeline });
    emitter.emit('job', { queue, pipeline, jobId, outcome: 'failed', parentFailure } satisfies CountedJob);
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
        queueEvents.on('failed', ({ jobId, failedReason }) => void onFailed(queue, jobId, failedReason));
        queueEvents.on('error', (error) => logger.warn({ err: errorMessage(error), queue }, 'queue events'));
        events.push(queueEvents);
      }
      await Promise.all(events.map((queueEvents) => queueEvents.waitUntilReady()));
      // Reads the run records now, so the first scrape does not wait for all of them.
      records.refresh().catch((error) => logger.warn({ err: errorMessage(error) }, 'run records unreadable'));
    },
    scrape: () => registry.metrics(),
    async close() {
      await Promise.allSettled(events.map((queueEvents) => queueEvents.close()));
      await records.settled();
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
