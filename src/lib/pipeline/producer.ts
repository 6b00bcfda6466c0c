import { randomUUID } from 'node:crypto';
import { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { loadPipelines, type PipelineRegistry } from '../definition/registry.ts';
import type { DataLake } from '../lake/data-lake.ts';
import { openLake } from '../lake/open-lake.ts';
import { asRedisError, createRedis, waitUntilReady } from '../redis.ts';
import { buildRunFlow, type FlowOptions, type RunSpec, readRootJob, runIdOf } from './lifecycle.ts';
import { closeQueues, openQueues, type PipelineQueues } from './queues.ts';

/** A producer's pipelines and connections: fail-fast Redis, the flow producer, the queues, the lake. */
export interface Producer {
  config: Config;
  /** The loaded pipelines runs are built from. */
  registry: PipelineRegistry;
  connection: Redis;
  flows: FlowProducer;
  queues: PipelineQueues;
  lake: DataLake;
  close(): Promise<void>;
}

/**
 * Loads the pipelines (unless given) and connects a producer. Redis must answer now: producers fail
 * fast (no offline queue) with a message naming the address, instead of hanging while Redis is down.
 * @param registry the pipelines to build runs from; default those of `PIPELINES_DIR`
 * @throws ConfigError `DEFINITION_INVALID` / `PIPELINES_DIR_MISSING` before connecting to anything
 */
export async function openProducer(config: Config, registry?: PipelineRegistry): Promise<Producer> {
  const pipelines = registry ?? (await loadPipelines(config.PIPELINES_DIR));
  const connection = createRedis(config.REDIS_URL, 'producer');
  connection.on('error', () => undefined); // surfaced by waitUntilReady and by each command instead
  try {
    await waitUntilReady(connection);
  } catch (error) {
    connection.disconnect();
    throw error;
  }
  let lake: DataLake;
  try {
    lake = await openLake(config);
  } catch (error) {
    connection.disconnect(); // a bad LAKE_URL must not leave the connection open
    throw error;
  }
  const flows = new FlowProducer({ connection, prefix: config.QUEUE_PREFIX });
  const queues = openQueues(connection, config.QUEUE_PREFIX);
  return {
    config,
    registry: pipelines,
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

/**
 * Enqueues runs; `created` is false for a run whose root job already existed (nothing was added).
 * Two producers racing to add the same run both add nothing twice (the flow is one transaction with
 * deterministic ids), and exactly one of them reports `created`: each tags its flow with an enqueue
 * id and reads back whose tag the stored root job carries. Every run is checked against its pipeline
 * before anything is added.
 * @throws InputError `UNKNOWN_PIPELINE` / `UNKNOWN_SOURCE` / `UNKNOWN_SUITE` listing what exists
 * @throws PipelineError `REDIS_UNAVAILABLE` naming the address when Redis is down or does not answer
 */
export async function enqueueRuns(
  producer: Producer,
  specs: readonly RunSpec[],
): Promise<{ runId: string; created: boolean }[]> {
  const options = flowOptionsOf(producer.config);
  // Every flow is built (and so checked) before the first is added.
  const runs = specs.map((spec) => {
    const enqueueId = randomUUID();
    const flow = buildRunFlow(producer.registry.get(spec.pipeline), spec, options, enqueueId);
    return { runId: runIdOf(spec), enqueueId, flow };
  });
  const results = [];
  try {
    for (const { runId, enqueueId, flow } of runs) {
      await producer.flows.add(flow);
      const root = await readRootJob(producer.queues, runId);
      results.push({ runId, created: root?.data.enqueueId === enqueueId });
    }
  } catch (error) {
    throw asRedisError(error, producer.connection);
  }
  return results;
}
