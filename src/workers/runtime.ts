import { FlowProducer, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../lib/config.ts';
import { loadPipelines, type PipelineRegistry } from '../lib/definition/registry.ts';
import { PipelineError } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import { openLake } from '../lib/lake/open-lake.ts';
import { logger } from '../lib/logger.ts';
import type { QueueName } from '../lib/pipeline/jobs.ts';
import { closeQueues, openQueues } from '../lib/pipeline/queues.ts';
import { createRedis } from '../lib/redis.ts';
import { createShutdown } from './shutdown.ts';
import { startWorkers } from './worker-pool.ts';

export interface WorkerRuntime {
  workers: Worker[];
  /** The pipelines this process serves. */
  registry: PipelineRegistry;
  /** Idempotent: closes workers (in-flight jobs finish), queues, Redis, the lake. */
  shutdown: () => Promise<boolean>;
  /** PINGs Redis on the runtime's connection (the heartbeat's check). */
  ping: () => Promise<unknown>;
}

/** What a worker runtime serves, and how. */
export interface WorkerRuntimeOptions {
  queues: readonly QueueName[];
  concurrency: number;
  /** Runs when shutdown outlasts SHUTDOWN_TIMEOUT_MS (the worker process exits non-zero there). */
  onShutdownTimeout?: () => void;
  /**
   * The lake to use instead of opening LAKE_URL: a seam for tests that inject storage faults. The
   * runtime owns it either way and closes it on shutdown.
   */
  lake?: DataLake;
  /** The pipelines to serve; default those loaded from PIPELINES_DIR. */
  registry?: PipelineRegistry;
}

/**
 * Starts a worker process's moving parts: the pipelines (loaded and validated first, so a bad
 * definition stops the process before it connects to anything), the lake, one Redis connection
 * (worker role), the queues used for run records, and one BullMQ worker per served queue.
 * @throws ConfigError `DEFINITION_INVALID` naming the file and the problem, `PIPELINES_DIR_MISSING`
 */
export async function startWorkerRuntime(
  config: Config,
  options: WorkerRuntimeOptions,
): Promise<WorkerRuntime> {
  const registry = options.registry ?? (await loadPipelines(config.PIPELINES_DIR));
  const lake = options.lake ?? (await openLake(config));
  const log = logger.child({}, { level: config.LOG_LEVEL });
  const connection = createRedis(config.REDIS_URL, 'worker');
  connection.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  const queues = openQueues(connection, config.QUEUE_PREFIX);
  const flows = new FlowProducer({ connection, prefix: config.QUEUE_PREFIX });
  const stopping = new AbortController();
  const deps = { config, registry, lake, queues, flows, logger: log, stopping: stopping.signal };
  const workers = startWorkers(deps, connection, options);
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  // Jobs this process is running, by id: a stalled check's 'failed' event names jobs of other
  // (dead) workers, which a plain counter would subtract too.
  const inFlight = new Set<string>();
  for (const worker of workers) {
    worker.on('active', (job) => inFlight.add(`${worker.name}:${job.id}`));
    worker.on('completed', (job) => inFlight.delete(`${worker.name}:${job.id}`));
    worker.on('failed', (job) => job && inFlight.delete(`${worker.name}:${job.id}`));
  }
  const shutdown = createShutdown({
    logger: log,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    ...(options.onShutdownTimeout ? { onTimeout: options.onShutdownTimeout } : {}),
    steps: [
      {
        name: 'workers',
        close: () => {
          stopping.abort();
          return closeWorkers(workers, connection, () => inFlight.size);
        },
      },
      { name: 'queues', close: () => Promise.all([closeQueues(queues), flows.close()]) },
      {
        name: 'redis',
        // QUIT waits for an answer; with Redis away it would wait in the offline queue forever.
        close: async () => (connection.status === 'ready' ? connection.quit() : connection.disconnect()),
      },
      { name: 'lake', close: () => lake.storage.close() },
    ],
  });
  return { workers, registry, shutdown, ping: () => connection.ping() };
}

/**
 * Closes the workers: no new job starts and the in-flight ones finish. That needs Redis: BullMQ's
 * close records each job's end and then QUITs its connections, and with Redis unreachable both wait
 * for it forever (to the shutdown timeout). So when Redis is away at shutdown the workers close at
 * once: an idle worker has nothing to lose; in-flight jobs are abandoned, their locks run out, and
 * other workers redo them (stalled-job recovery), which the returned error reports.
 */
async function closeWorkers(workers: Worker[], connection: Redis, inFlight: () => number): Promise<void> {
  if (connection.status === 'ready') {
    await Promise.all(workers.map((worker) => worker.close()));
    return;
  }
  const abandoned = inFlight();
  await Promise.all(workers.map((worker) => worker.close(true)));
  if (abandoned > 0) {
    throw new PipelineError(
      `Redis is unreachable: ${abandoned} in-flight job(s) abandoned; other workers will redo them`,
      { code: 'JOBS_ABANDONED' },
    );
  }
}
