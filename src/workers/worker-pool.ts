import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from '../lib/pipeline/jobs.ts';
import { ingestProcessor } from './processors/ingest.ts';
import { qualityProcessor } from './processors/quality.ts';
import { scheduleProcessor } from './processors/schedule.ts';
import { transformProcessor } from './processors/transform.ts';
import { recordFailure, type StepProcessor, toBullProcessor, type WorkerDeps } from './step.ts';

const processors: { [Q in QueueName]: (deps: WorkerDeps) => StepProcessor<Q> } = {
  ingest: ingestProcessor,
  transform: transformProcessor,
  quality: qualityProcessor,
  schedule: scheduleProcessor,
};

export interface WorkerPoolOptions {
  /** Queues this process serves. */
  queues: readonly QueueName[];
  /** Jobs run at once per queue. */
  concurrency: number;
}

/** Starts one BullMQ worker per served queue, sharing one connection (BullMQ adds its blocking one). */
export function startWorkers(deps: WorkerDeps, connection: Redis, options: WorkerPoolOptions): Worker[] {
  const { config, logger } = deps;
  return options.queues.map((queue) => {
    const processor = toBullProcessor(queue, processors[queue](deps) as StepProcessor<typeof queue>, deps);
    const worker = new Worker(queue, processor, {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: options.concurrency,
      lockDuration: config.LOCK_DURATION_MS,
      stalledInterval: config.STALLED_INTERVAL_MS,
      maxStalledCount: 1,
    });
    worker.on('error', (error) => logger.error({ err: error, queue }, 'worker error'));
    worker.on('failed', (job, error) => {
      // A job that stalled too often never reached the processor's catch: record its run's end here.
      if (job && /stalled/i.test(error.message)) {
        void recordFailure(job, error, job.processedOn ?? Date.now(), deps, job.attemptsMade);
      }
    });
    return worker;
  });
}
