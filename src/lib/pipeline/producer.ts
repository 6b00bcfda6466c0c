import { FlowProducer, Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { DataLake } from '../lake/data-lake.ts';
import { openLake } from '../lake/open-lake.ts';
import { createRedis, waitUntilReady } from '../redis.ts';
import { enqueueRun, type FlowOptions } from './flow.ts';
import { jobIds } from './jobs.ts';
import { closeQueues, openQueues, type PipelineQueues } from './queues.ts';
import { type RunSpec, runIdOf } from './run-spec.ts';

/** A producer's connections: fail-fast Redis, the flow producer, the queues, the lake. */
export interface Producer {
  config: Config;
  connection: Redis;
  flows: FlowProducer;
  queues: PipelineQueues;
  lake: DataLake;
  close(): Promise<void>;
}

/**
 * Connects a producer. Redis must answer now: producers fail fast (no offline queue) with a message
 * naming the address, instead of hanging while Redis is down.
 */
export async function openProducer(config: Config): Promise<Producer> {
  const connection = createRedis(config.REDIS_URL, 'producer');
  connection.on('error', () => undefined); // surfaced by waitUntilReady and by each command instead
  try {
    await waitUntilReady(connection);
  } catch (error) {
    connection.disconnect();
    throw error;
  }
  const flows = new FlowProducer({ connection, prefix: config.QUEUE_PREFIX });
  const queues = openQueues(connection, config.QUEUE_PREFIX);
  const lake = await openLake(config);
  return {
    config,
    connection,
    flows,
    queues,
    lake,
    async close() {
      const results = await Promise.allSettled([flows.close(), closeQueues(queues), lake.storage.close()]);
      connection.disconnect();
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
    },
  };
}

/** The retry and retention settings runs get, from configuration. */
export function flowOptionsOf(config: Config): FlowOptions {
  return {
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
    keepCompletedSeconds: config.KEEP_COMPLETED_SECONDS,
  };
}

/** Enqueues runs; `created` is false for a run whose root job already existed (nothing was added). */
export async function enqueueRuns(
  producer: Producer,
  specs: readonly RunSpec[],
): Promise<{ runId: string; created: boolean }[]> {
  const options = flowOptionsOf(producer.config);
  const results = [];
  for (const spec of specs) {
    const runId = runIdOf(spec);
    const existed = (await Job.fromId(producer.queues.quality, jobIds.quality(runId))) !== undefined;
    await enqueueRun(producer.flows, spec, options);
    results.push({ runId, created: !existed });
  }
  return results;
}
