import { FlowProducer, type Worker } from 'bullmq';
import type { Config } from '../lib/config.ts';
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
  /** Idempotent: closes workers (in-flight jobs finish), queues, Redis, the lake. */
  shutdown: () => Promise<boolean>;
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
}

/**
 * Starts a worker process's moving parts: the lake, one Redis connection (worker role), the queues
 * used for run records, and one BullMQ worker per served queue.
 */
export async function startWorkerRuntime(
  config: Config,
  options: WorkerRuntimeOptions,
): Promise<WorkerRuntime> {
  const lake = options.lake ?? (await openLake(config));
  const connection = createRedis(config.REDIS_URL, 'worker');
  connection.on('error', (error) =>
    logger.child({}, { level: config.LOG_LEVEL }).warn({ err: error }, 'redis connection error'),
  );
  const queues = openQueues(connection, config.QUEUE_PREFIX);
  const log = logger.child({}, { level: config.LOG_LEVEL });
  const flows = new FlowProducer({ connection, prefix: config.QUEUE_PREFIX });
  const workers = startWorkers({ config, lake, queues, flows, logger: log }, connection, options);
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  const shutdown = createShutdown({
    logger: log,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    ...(options.onShutdownTimeout ? { onTimeout: options.onShutdownTimeout } : {}),
    steps: [
      { name: 'workers', close: () => Promise.all(workers.map((worker) => worker.close())) },
      { name: 'queues', close: () => Promise.all([closeQueues(queues), flows.close()]) },
      { name: 'redis', close: () => connection.quit() },
      { name: 'lake', close: () => lake.storage.close() },
    ],
  });
  return { workers, shutdown };
}
