/** A Redis for the demo and tests when none answers (never on a worker's own path). */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createRedis, waitUntilReady } from '../lib/redis.ts';

/** Whether a Redis answers at `url` within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = createRedis(url, 'producer', { retryStrategy: () => null, connectTimeout: 1_000 });
  redis.on('error', () => undefined);
  try {
    await waitUntilReady(redis, 1_500);
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** A private redis-server for the demo, on a free loopback port, keeping nothing on disk. */
export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
}

/** Starts `redis-server` if it is installed; returns undefined when it is not on PATH. */
export async function startPrivateRedis(): Promise<PrivateRedis | undefined> {
  if (spawnSync('redis-server', ['--version']).error) return undefined;
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const url = `redis://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  // redis-server logs this line once it accepts connections.
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    void exited.then(() => reject(new Error(`redis-server exited before it was ready:\n${output}`)));
  });
  child.stdout?.resume();
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A loopback TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
