import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { type Config, loadConfig } from '../../src/lib/config.ts';
import { type InputSpec, QUEUE_NAMES } from '../../src/lib/pipeline/jobs.ts';
import type { RunSpec } from '../../src/lib/pipeline/lifecycle.ts';
import { enqueueRuns, openProducer, type Producer } from '../../src/lib/pipeline/producer.ts';
import { deleteQueueKeys } from '../../src/lib/pipeline/queues.ts';
import { RunFollower, type RunOutcome } from '../../src/producers/follow-runs.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/workers/runtime.ts';
import { REPO_PIPELINES } from './test-pipelines.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * An isolated pipeline for one test: its own queue prefix and lake directory on the real Redis,
 * in-process workers (real BullMQ workers), a producer and a run follower. `close()` removes all of it.
 * Pipelines load from the repository's `pipelines/` unless `env.PIPELINES_DIR` says otherwise.
 */
export interface PipelineEnv {
  config: Config;
  env: Record<string, string>;
  lakeDir: string;
  producer: Producer;
  follower: RunFollower;
  workers: WorkerRuntime | undefined;
  /** Enqueues the runs and waits for them to end. */
  run(specs: RunSpec[], timeoutMs?: number): Promise<RunOutcome[]>;
  close(): Promise<void>;
}

export async function createPipelineEnv(
  options: { workers?: boolean; env?: Record<string, string>; concurrency?: number } = {},
): Promise<PipelineEnv> {
  const lakeDir = await mkdtemp(path.join(tmpdir(), 'lakeflow-test-'));
  const env: Record<string, string> = {
    REDIS_URL,
    QUEUE_PREFIX: `test-${randomBytes(5).toString('hex')}`,
    LAKE_URL: lakeDir,
    LOG_LEVEL: 'silent',
    JOB_BACKOFF_MS: '50',
    PIPELINES_DIR: REPO_PIPELINES,
    ...options.env,
  };
  const config = loadConfig(env);
  const workers =
    options.workers === false
      ? undefined
      : await startWorkerRuntime(config, {
          queues: QUEUE_NAMES,
          concurrency: options.concurrency ?? 2,
        });
  const producer = await openProducer(config);
  const follower = await RunFollower.open(producer);
  return {
    config,
    env,
    lakeDir,
    producer,
    follower,
    workers,
    async run(specs, timeoutMs = 30_000) {
      const enqueued = await enqueueRuns(producer, specs);
      return follower.wait(
        enqueued.map(({ runId }) => runId),
        timeoutMs,
      );
    },
    async close() {
      await follower.close();
      await workers?.shutdown();
      await producer.close();
      await deletePrefix(env.QUEUE_PREFIX as string);
      await rm(lakeDir, { recursive: true, force: true });
    },
  };
}

/** Deletes every Redis key under a BullMQ prefix. */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    await deleteQueueKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** A notebook-style run spec of sales_etl: generated sources for one date, suite `pipeline`. */
export function generatedRun(
  date: string,
  overrides: Partial<Omit<RunSpec, 'sources'>> & { sources?: Record<string, InputSpec> } = {},
): RunSpec & { sources: Record<string, InputSpec> } {
  return {
    pipeline: 'sales_etl',
    date,
    suite: 'pipeline',
    sources: {
      transactions: { kind: 'generate', records: 300, seed: 42, options: {} },
      customers: { kind: 'generate', records: 100, seed: 42, options: {} },
      products: { kind: 'generate', seed: 42, options: {} },
    },
    ...overrides,
  };
}
