import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerProcess } from '../../src/dev/worker-process.ts';
import { jobIds, runIdOf } from '../../src/lib/pipeline/lifecycle.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { bigRun, type Events, nextEvent, openEvents, Processes } from './support/harness.ts';
import { type PrivateRedis, startPrivateRedis } from './support/private-redis.ts';

/**
 * Fault 2: SIGTERM while jobs are in flight. The worker takes no new job, lets the running ones
 * finish, exits 0, and other workers do the rest. A shutdown that cannot finish (here: Redis hangs)
 * is forced after SHUTDOWN_TIMEOUT_MS with a non-zero exit; a second signal forces it at once. With
 * Redis gone, nothing can be finished or handed back: the worker closes at once.
 */

const FAST_RECOVERY = { LOCK_DURATION_MS: '2000', STALLED_INTERVAL_MS: '1000' };

const processes = new Processes();
const envs: PipelineEnv[] = [];
const subscriptions: Events[] = [];
let redis: PrivateRedis | undefined;
afterEach(async () => {
  redis?.thaw(); // a frozen Redis would hang every cleanup below
  await processes.killAll();
  await Promise.all(subscriptions.splice(0).map((events) => events.close()));
  await Promise.all(envs.splice(0).map((env) => env.close()));
  await redis?.close();
  redis = undefined;
});

async function isolatedEnv(env: Record<string, string> = {}): Promise<PipelineEnv> {
  const pipeline = await createPipelineEnv({ workers: false, env: { ...FAST_RECOVERY, ...env } });
  envs.push(pipeline);
  return pipeline;
}

const logged = (worker: WorkerProcess, msg: string) => worker.logs.filter((entry) => entry.msg === msg);
const jobsLogged = (worker: WorkerProcess, msg: string) =>
  new Set(logged(worker, msg).map((entry) => entry.jobId as string));

/** Waits until some transform of the runs is mid-stream (a 'transactions' progress event). */
async function midTransform(env: PipelineEnv): Promise<string> {
  const transform = await openEvents(env.config, 'transform');
  subscriptions.push(transform);
  const { jobId } = await nextEvent<{ jobId: string; data: unknown }>(
    transform.events,
    'progress',
    ({ data }) => (data as { stage?: string }).stage === 'rows',
  );
  return jobId;
}

// Each test runs a 60k-row run, stops a worker mid-transform and waits (up to 90 s, `env.run`) for
// another to finish it: on a busy machine that takes longer than the suite's default 60 s budget.
describe('SIGTERM with jobs in flight', { timeout: 150_000 }, () => {
  it('finishes the in-flight jobs, starts no new one, exits 0; another worker does the rest', async () => {
    const env = await isolatedEnv();
    const specs = ['2024-03-11', '2024-03-12', '2024-03-13'].map((date) => bigRun(date, 60_000));
    const leaving = await processes.worker(env.env);
    const caught = midTransform(env);
    const outcomes = env.run(specs, 90_000);
    const inFlight = await caught;

    leaving.child.kill('SIGTERM');
    const staying = await processes.worker(env.env);
    expect(await leaving.exited).toBe(0);

    const results = await outcomes;
    expect(results.map((result) => result.status)).toEqual(['success', 'success', 'success']);
    // Every job the leaving worker started, it finished: the transform caught mid-stream included.
    const started = jobsLogged(leaving, 'step started');
    expect(started.has(inFlight)).toBe(true);
    expect(jobsLogged(leaving, 'step finished')).toEqual(started);
    // It started nothing once the signal arrived.
    const signalAt = leaving.logs.findIndex((entry) => String(entry.msg).startsWith('shutting down'));
    expect(signalAt).toBeGreaterThan(-1);
    expect(leaving.logs.slice(signalAt).filter((entry) => entry.msg === 'step started')).toEqual([]);
    const inFlightEnd = leaving.logs.findIndex(
      (entry) => entry.msg === 'step finished' && entry.jobId === inFlight,
    );
    expect(inFlightEnd).toBeGreaterThan(signalAt); // it was still running when the signal came
    // The rest was done by the other worker, and no job ran twice.
    const rest = jobsLogged(staying, 'step started');
    expect(rest.size).toBeGreaterThan(0);
    expect([...rest].filter((jobId) => started.has(jobId))).toEqual([]);
    expect(started.size + rest.size).toBe(specs.length * 5);
  });

  it('forces a shutdown that hangs after SHUTDOWN_TIMEOUT_MS, exiting non-zero; nothing is lost', async () => {
    redis = await startPrivateRedis();
    const env = await isolatedEnv({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '1000' });
    const spec = bigRun('2024-03-14', 60_000);
    const stuck = await processes.worker(env.env);
    const caught = midTransform(env);
    const outcome = env.run([spec], 90_000);
    expect(await caught).toBe(jobIds.transform(runIdOf(spec)));

    // Redis stops answering: the in-flight transform can never report its end, so shutdown hangs.
    redis.freeze();
    const signalledAt = Date.now();
    stuck.child.kill('SIGTERM');
    expect(await stuck.exited).toBe(1);
    const elapsed = Date.now() - signalledAt;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(15_000);
    expect(logged(stuck, 'shutdown timed out')).toHaveLength(1);

    // Redis answers again; another worker takes over whatever the forced exit left, and the run ends.
    redis.thaw();
    await processes.worker(env.env);
    const [result] = await outcome;
    expect(result?.status).toBe('success');
  });

  it('with Redis down, abandons in-flight jobs at once (exit 1) and other workers redo them', async () => {
    redis = await startPrivateRedis();
    // A long timeout: the exit must come from knowing Redis is away, not from the timeout.
    const env = await isolatedEnv({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '60000' });
    const leaving = await processes.worker(env.env);
    const caught = midTransform(env);
    const outcome = env.run([bigRun('2024-03-15', 60_000)], 90_000);
    await caught;
    await redis.stop('SIGKILL');
    await leaving.waitForLog((entry) => entry.msg === 'redis connection error'); // it knows
    leaving.child.kill('SIGTERM');
    expect(await leaving.exited).toBe(1);
    const unclean = await leaving.waitForLog((entry) => entry.msg === 'could not close cleanly');
    expect(JSON.stringify(unclean.err)).toMatch(/JOBS_ABANDONED|in-flight job\(s\) abandoned/);
    expect(logged(leaving, 'shutdown timed out')).toEqual([]);

    await redis.start();
    await processes.worker(env.env);
    const [result] = await outcome;
    expect(result?.status).toBe('success');
  });

  it('with Redis down and nothing in flight, exits 0 at once', async () => {
    redis = await startPrivateRedis();
    const env = await isolatedEnv({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '60000' });
    const idle = await processes.worker(env.env);
    await redis.stop('SIGKILL');
    await idle.waitForLog((entry) => entry.msg === 'redis connection error');
    idle.child.kill('SIGTERM');
    expect(await idle.exited).toBe(0);
  });

  it('exits at once on a second signal while shutdown waits', async () => {
    redis = await startPrivateRedis();
    const env = await isolatedEnv({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '60000' });
    const worker = await processes.worker(env.env);
    redis.freeze();
    worker.child.kill('SIGTERM');
    await worker.waitForLog((entry) => String(entry.msg).startsWith('shutting down'));
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(130);
    expect(logged(worker, 'second signal: exiting now')).toHaveLength(1);
  });
});
