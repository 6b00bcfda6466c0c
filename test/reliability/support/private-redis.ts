import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/dev/local-redis.ts';

/**
 * A redis-server of the test's own, on a free loopback port, with an append-only file fsynced on
 * every write in a temporary directory: it can be killed (even with SIGKILL) and started again on the
 * same port and directory, and every acknowledged write is still there, as with a production Redis
 * that persists its data. Tests restart or freeze it without touching the shared Redis.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  /** `host:port`, as error messages name it. */
  address: string;
  /** Starts the server (again); resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server with `signal` (default SIGKILL: a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the port stays open, but no command is ever answered (a hung server). */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/** Starts a {@link PrivateRedis}; call `close()` when done (for example in `afterEach`). */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();

  const start = async () => {
    const server = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
        ...['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction'],
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    child = server;
    exited = once(server, 'exit');
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // With an append-only file, Redis logs this once the data is loaded and it accepts connections.
        if (output.includes('Ready to accept connections')) {
          server.stdout?.off('data', onData);
          server.stdout?.resume();
          resolve();
        }
      };
      server.stdout?.on('data', onData);
      void exited.then(() => reject(new Error(`redis-server exited before it was ready:\n${output}`)));
    });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child && child.exitCode === null && child.signalCode === null) {
      if (signal === 'SIGKILL' || signal === 'SIGTERM') child.kill('SIGCONT'); // a frozen server cannot exit
      child.kill(signal);
    }
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    address: `127.0.0.1:${port}`,
    start,
    stop,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    async close() {
      await stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
