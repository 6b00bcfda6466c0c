import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/config.ts';
import { enqueueRuns, openProducer } from '../../src/lib/pipeline/producer.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { bigRun, type Events, nextEvent, openEvents, Processes, runEnqueueCli } from './support/harness.ts';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.ts';

/**
 * Fault 3: Redis restarts in the middle of a run (a private redis-server with an append-only file, so
 * its data survives, as a production Redis's does). Workers and producers reconnect and the run
 * completes; while Redis is away, producers fail fast with an error naming its address.
 */

const processes = new Processes();
const subscriptions: Events[] = [];
let env: PipelineEnv | undefined;
let redis: PrivateRedis | undefined;
afterEach(async () => {
  redis?.thaw();
  await processes.killAll();
  await Promise.all(subscriptions.splice(0).map((events) => events.close()));
  await env?.close();
  await redis?.close();
  env = undefined;
  redis = undefined;
});

async function privateEnv(): Promise<{ env: PipelineEnv; redis: PrivateRedis }> {
  redis = await startPrivateRedis();
  env = await createPipelineEnv({ workers: false, env: { REDIS_URL: redis.url } });
  return { env, redis };
}

/** Runs `attempt`; expects it to reject within `withinMs` with a message naming `address`. */
async function failsFast(attempt: () => Promise<unknown>, address: string, withinMs: number) {
  const startedAt = Date.now();
  const error = await attempt().then(
    () => undefined,
    (reason: unknown) => reason as Error,
  );
  expect(error, 'expected a failure').toBeInstanceOf(Error);
  expect(error?.message).toContain(address);
  expect(Date.now() - startedAt).toBeLessThan(withinMs);
  return error as Error;
}

describe('Redis restarted mid-run', () => {
  it('workers and producers reconnect and the run completes; producers fail fast meanwhile', async () => {
    const { env, redis } = await privateEnv();
    const worker = await processes.worker(env.env);
    const transform = await openEvents(env.config, 'transform');
    subscriptions.push(transform);
    const caught = nextEvent<{ jobId: string; data: unknown }>(
      transform.events,
      'progress',
      ({ data }) => (data as { stage?: string }).stage === 'rows',
    );
    const outcome = env.run([bigRun('2024-03-20', 60_000)], 90_000);
    await caught;
    await redis.stop('SIGKILL');

    // Redis is down: a new producer, the enqueue command, and the open producer all fail at once.
    const config = loadConfig(env.env);
    const refused = await failsFast(() => openProducer(config), redis.address, 2_000);
    expect(refused.message).toMatch(/cannot reach Redis/);
    const cli = await runEnqueueCli(env.env, ['--date', '2024-03-21'], 20_000);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(redis.address);
    expect(cli.stdout).not.toContain('enqueued');
    await failsFast(() => enqueueRuns(env.producer, [generatedRun('2024-03-21')]), redis.address, 2_000);

    await redis.start();
    const [result] = await outcome;
    expect(result?.status).toBe('success');
    expect(worker.child.exitCode).toBeNull(); // the worker rode out the restart

    // The open producer is usable again, and the same worker serves the next run.
    await waitForReady(env);
    const [next] = await env.run([generatedRun('2024-03-21')], 30_000);
    expect(next?.status).toBe('success');
  });

  it('fails a producer against a Redis that accepts connections but never answers, not hangs', async () => {
    const { env, redis } = await privateEnv();
    redis.freeze();
    const config = loadConfig(env.env);
    // Both within the producer timeout (5 s), side by side.
    await Promise.all([
      failsFast(() => openProducer(config), redis.address, 8_000),
      failsFast(() => enqueueRuns(env.producer, [generatedRun('2024-03-22')]), redis.address, 8_000),
    ]);
  });
});

/** Resolves once the producer's connection is ready again (ioredis reconnects on its own). */
async function waitForReady(env: PipelineEnv): Promise<void> {
  const connection = env.producer.connection;
  if (connection.status === 'ready') return;
  await new Promise<void>((resolve) => connection.once('ready', () => resolve()));
}
