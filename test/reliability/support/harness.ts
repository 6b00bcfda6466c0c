import path from 'node:path';
import { QueueEvents } from 'bullmq';
import { startWorkerProcess, type WorkerProcess } from '../../../src/dev/worker-process.ts';
import type { Config } from '../../../src/lib/config.ts';
import { type DataLake, sha256 } from '../../../src/lib/lake/data-lake.ts';
import type { QueueName } from '../../../src/lib/pipeline/jobs.ts';
import type { RunSpec } from '../../../src/lib/pipeline/lifecycle.ts';
import { createRedis } from '../../../src/lib/redis.ts';
import { type CliResult as CommandResult, runCli } from '../../helpers/cli.ts';
import { generatedRun } from '../../helpers/pipeline-env.ts';

/** The repository root: where `npm run …` entry points resolve. */
export const ROOT = path.resolve(import.meta.dirname, '../../..');

/** A run of `rows` generated transactions: large enough that its transform can be caught mid-stream. */
export function bigRun(date: string, rows: number, overrides: Partial<RunSpec> = {}): RunSpec {
  const spec = generatedRun(date, overrides);
  const transactions = spec.sources.transactions;
  if (transactions?.kind !== 'generate') throw new Error('generatedRun should generate transactions');
  spec.sources.transactions = { ...transactions, records: rows };
  return spec;
}

/** key → sha256 of every object under `prefix` (the staging area is never listed). */
export async function checksums(lake: DataLake, prefix = ''): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const key of await lake.storage.list(prefix)) sums[key] = sha256(await lake.storage.get(key));
  return sums;
}

/** sales_etl's dataset objects (cleaned, enriched, daily_summary) of one date, by key → sha256. */
export async function processedChecksums(lake: DataLake, date: string): Promise<Record<string, string>> {
  const all = await checksums(lake, 'sales_etl/datasets/');
  return Object.fromEntries(Object.entries(all).filter(([key]) => key.includes(`/date=${date}/`)));
}

/** A QueueEvents subscription with a connection of its own, ready before it is returned. */
export interface Events {
  events: QueueEvents;
  close(): Promise<void>;
}

/** Subscribes to one queue's events on the config's Redis and prefix; `close()` when done. */
export async function openEvents(config: Config, queue: QueueName): Promise<Events> {
  const connection = createRedis(config.REDIS_URL, 'worker');
  connection.on('error', () => undefined); // tests that restart Redis expect connection errors
  const events = new QueueEvents(queue, { connection, prefix: config.QUEUE_PREFIX });
  events.on('error', () => undefined);
  await events.waitUntilReady();
  return {
    events,
    async close() {
      await events.close();
      connection.disconnect();
    },
  };
}

/**
 * Resolves with the first `event` whose arguments `match` accepts; rejects after `timeoutMs`, so a
 * test waits on what happens, never on the clock, yet cannot hang.
 */
export function nextEvent<T extends { jobId: string }>(
  events: QueueEvents,
  event: 'active' | 'progress' | 'completed' | 'failed' | 'stalled' | 'waiting',
  match: (args: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (args: T) => {
      if (!match(args)) return;
      cleanup();
      resolve(args);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no matching '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      events.off(event, listener as never);
    };
    events.on(event, listener as never);
  });
}

/** Worker processes a test started; {@link killAll} ends whichever are still alive. */
export class Processes {
  private readonly started: WorkerProcess[] = [];

  async worker(env: Record<string, string>, args: string[] = ['--concurrency', '2']): Promise<WorkerProcess> {
    const worker = await startWorkerProcess(env, args);
    this.started.push(worker);
    return worker;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.started.map((worker) => worker.stop('SIGKILL')));
    this.started.length = 0;
  }
}

/** How a command-line process ended, and how long it took. */
export interface CliResult extends CommandResult {
  /** Milliseconds from spawn to exit. */
  ms: number;
}

/**
 * Runs `npm run enqueue`'s entry point (`node --import tsx src/producers/enqueue.ts …`) with `env`
 * on top of this process's environment. Rejects if it has not exited after `timeoutMs` (and kills it).
 */
export async function runEnqueueCli(
  env: Record<string, string>,
  args: string[],
  timeoutMs = 60_000,
): Promise<CliResult> {
  const startedAt = Date.now();
  const result = await runCli('src/producers/enqueue.ts', args, env, timeoutMs);
  return { ...result, ms: Date.now() - startedAt };
}
