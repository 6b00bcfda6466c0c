import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/local-redis.ts';
import { startWorkerProcess, type WorkerProcess } from '../../src/dev/worker-process.ts';
import { logger } from '../../src/lib/logger.ts';
import { createRedis } from '../../src/lib/redis.ts';
import { startHeartbeat } from '../../src/workers/heartbeat.ts';
import { deletePrefix, REDIS_URL } from '../helpers/pipeline-env.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const silent = logger.child({}, { level: 'silent' });

let dir: string;
let prefix: string;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-heartbeat-'));
  prefix = `test-${randomBytes(5).toString('hex')}`;
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await deletePrefix(prefix);
  await rm(dir, { recursive: true, force: true });
});

/** Runs the health check as a container would (under tsx here; the image runs its build). */
async function healthcheck(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/workers/healthcheck.ts', ...args],
      { cwd: ROOT },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

async function worker(args: string[]): Promise<WorkerProcess> {
  const started = await startWorkerProcess({ REDIS_URL, QUEUE_PREFIX: prefix, LAKE_URL: dir }, args);
  cleanups.push(() => started.stop('SIGKILL'));
  return started;
}

describe('worker heartbeat', () => {
  it('is written before the worker reports ready, and the health check passes on it', async () => {
    const file = path.join(dir, 'worker.heartbeat');
    const started = await worker(['--queues', 'ingest', '--heartbeat', file]);
    expect(await healthcheck(file)).toMatchObject({ code: 0, output: expect.stringMatching(/^healthy/) });
    expect(await started.stop()).toBe(0);
  });

  it('stops a worker whose heartbeat file cannot be written, before it reports ready', async () => {
    const file = path.join(dir, 'no-such-dir', 'worker.heartbeat');
    await expect(worker(['--heartbeat', file])).rejects.toThrow(/exited \(2\) before it was ready/);
  });

  it('writes only when Redis answers PING', async () => {
    const file = path.join(dir, 'beat');
    const answering = createRedis(REDIS_URL, 'worker');
    cleanups.push(() => answering.disconnect());
    const beating = startHeartbeat(file, () => answering.ping(), silent, 60_000);
    cleanups.push(() => beating.stop());
    expect(await beating.beat()).toBe(true);
    await stat(file);

    // Nobody listens on this port: a worker connection queues the PING while it reconnects, and the
    // beat gives up after its interval without writing.
    const away = createRedis(`redis://127.0.0.1:${await freePort()}`, 'worker');
    away.on('error', () => undefined);
    cleanups.push(() => away.disconnect());
    const awayFile = path.join(dir, 'away');
    const skipping = startHeartbeat(awayFile, () => away.ping(), silent, 300);
    cleanups.push(() => skipping.stop());
    expect(await skipping.beat()).toBe(false);
    await expect(stat(awayFile)).rejects.toThrow(/ENOENT/);
  });
});

describe('healthcheck', () => {
  it('fails on a stale or missing heartbeat and on bad arguments', async () => {
    const file = path.join(dir, 'worker.heartbeat');
    const beating = startHeartbeat(file, async () => 'PONG', silent);
    cleanups.push(() => beating.stop());
    await beating.beat();
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(file, minuteAgo, minuteAgo);

    expect(await healthcheck(file)).toMatchObject({
      code: 1,
      output: expect.stringMatching(/s old \(limit 30 s\)/),
    });
    expect(await healthcheck(file, '120')).toMatchObject({ code: 0 });
    expect(await healthcheck(path.join(dir, 'missing'))).toMatchObject({
      code: 1,
      output: expect.stringMatching(/^unhealthy: no heartbeat file/),
    });
    expect(await healthcheck()).toMatchObject({ code: 2, output: expect.stringMatching(/^Usage/) });
    expect(await healthcheck(file, 'soon')).toMatchObject({ code: 2 });
  });
});
