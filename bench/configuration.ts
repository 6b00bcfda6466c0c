import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/lib/config.ts';
import type { DatasetFormat } from '../src/lib/lake/keys.ts';
import { enqueueRuns, openProducer, type Producer } from '../src/lib/pipeline/producer.ts';
import { deleteQueueKeys } from '../src/lib/pipeline/queues.ts';
import { RunFollower } from '../src/producers/follow-runs.ts';
import { type BackfillFigures, backfillSpecs, runBackfill } from './backfill.ts';
import type { Dataset } from './dataset.ts';
import { pipelinesDirFor } from './formats.ts';
import { type LatencyFigures, measureLatency, notebookRun } from './latency.ts';
import { sum } from './stats.ts';
import { verifyAgainstUnstreamed } from './verify.ts';
import {
  machineBusySeconds,
  type ProcMemory,
  procCpuSeconds,
  procMainThreadCpuSeconds,
  procMemory,
  resetPeak,
  startWorkers,
} from './workers.ts';

/** One configuration (input size × worker processes) as measured. */
export interface ConfigurationFigures {
  rows: number;
  dates: number;
  workers: number;
  /** The format of sales_etl's datasets. */
  format: DatasetFormat;
  /** Unmeasured backfills run first. */
  warmup: number;
  /** One entry per repeat. */
  backfills: (BackfillFigures & { memory: ProcMemory[]; cpu: CpuFigures })[];
  /** Each worker's memory right after start-up (its start-up peak and idle RSS). */
  startup: ProcMemory[];
  /** Whether the peaks are the backfill's own (the peak was reset before it) or since start-up. */
  peakSinceReset: boolean;
  latency?: LatencyFigures;
  /** With `verify`: differences from the unstreamed outputs (empty: identical). */
  verifyProblems?: string[];
}

/** CPU seconds during one backfill: the workers', and everything else's on the machine. */
export interface CpuFigures {
  /** Per worker process (user + system, including its GC and I/O threads). */
  workers: number[];
  /** The rest of the machine (this process, Redis, and whatever else ran): the measurement's noise. */
  other: number;
  /** `other` as a share of the machine's capacity during the backfill (cores × wall). */
  otherShare: number;
  /**
   * Of the workers' CPU, their main threads' (JavaScript), summed over workers. The rest ran on V8's
   * and libuv's threads: what one worker already takes from a second core.
   */
  mainThreads: number;
}

export interface ConfigurationOptions {
  redisUrl: string;
  root: string;
  dataset: Dataset;
  workers: number;
  /** The format of sales_etl's datasets (see bench/formats.ts). */
  format: DatasetFormat;
  /** Failing-row samples each check keeps; undefined: the definition's. */
  samples?: number | undefined;
  repeat: number;
  /** Unmeasured backfills each configuration runs before its measured ones (see {@link OpenConfiguration.warmUp}). */
  warmup: number;
  latencyRuns: number;
  concurrency: number;
  runner: 'dist' | 'tsx';
  /** Compare the last backfill's outputs with an unstreamed in-process run. */
  verify: boolean;
  /** Directory for the workers' CPU profiles. */
  cpuProf?: string | undefined;
  nodeArgs?: string[];
  log: (line: string) => void;
}

/** A configuration whose workers are up and warm: backfills can be run on it one at a time. */
export interface OpenConfiguration {
  /**
   * Runs one backfill whose figures are not kept (its runs must still succeed). On fresh processes
   * the first backfill is the slowest: each process compiles its hot code and grows its heap, so two
   * workers pay it twice (docs/performance.md).
   */
  warmUp(): Promise<void>;
  /** Runs the next backfill (its peak RSS reset first) and records its figures. */
  backfill(): Promise<void>;
  /** Verifies and measures latency as asked, then stops the workers and removes the prefix and lake. */
  finish(): Promise<ConfigurationFigures>;
  /** Stops the workers and removes the prefix and lake, without figures (after an error). */
  close(): Promise<void>;
}

/**
 * Starts one configuration on fresh worker processes, its own queue prefix and its own lake directory
 * (both removed by `finish`/`close`), and runs one notebook-size warm-up run. Backfills then run one at
 * a time (the peak RSS of each worker reset before each), so that several configurations can take
 * turns (A B A B): the machine's speed drifts by tens of percent over minutes here, and a ratio between
 * configurations is only fair when their runs alternate. `finish` measures latency on the warm workers.
 */
export async function openConfiguration(options: ConfigurationOptions): Promise<OpenConfiguration> {
  const { dataset, log } = options;
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const lakeDir = path.join(options.root, `lake-${prefix}`);
  await mkdir(lakeDir, { recursive: true });
  const pipelinesDir = await pipelinesDirFor(options.root, options.format, options.runner, options.samples);
  const env = {
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: prefix,
    LAKE_URL: lakeDir,
    LOG_LEVEL: 'info',
    ...(pipelinesDir ? { PIPELINES_DIR: pipelinesDir } : {}),
  };
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const nodeArgs = [
    ...(options.nodeArgs ?? []),
    ...(options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProf)}`] : []),
  ];
  let closed = false;
  let workers: Awaited<ReturnType<typeof startWorkers>> | undefined;
  let producer: Producer | undefined;
  let follower: RunFollower | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    await follower?.close();
    await workers?.stop();
    await producer?.close();
    await deletePrefix(options.redisUrl, prefix);
    await rm(lakeDir, { recursive: true, force: true });
  };
  try {
    workers = await startWorkers(options.workers, env, { ...options, nodeArgs });
    producer = await openProducer(config);
    follower = await RunFollower.open(producer);
    await follower.wait([(await enqueueOne(producer, `warm${prefix}`)) as string], 30_000);
  } catch (error) {
    await close();
    throw error;
  }
  const pids = workers.processes.map((worker) => worker.pid);
  const backfills: ConfigurationFigures['backfills'] = [];
  let peakSinceReset = true;
  let warmUps = 0;
  const what = `${dataset.rows} rows, ${options.workers} worker(s), ${options.format}`;
  return {
    async warmUp() {
      warmUps++;
      log(`  ${what}: warm-up backfill ${warmUps}/${options.warmup}…`);
      const figures = await runBackfill(producer, follower, backfillSpecs(dataset, `${prefix}w${warmUps}`));
      log(`    wall ${Math.round(figures.wallMs)} ms (not counted)`);
    },
    async backfill() {
      const r = backfills.length;
      for (const pid of pids) peakSinceReset = (await resetPeak(pid)) && peakSinceReset;
      log(`  ${what}: backfill ${r + 1}/${options.repeat}…`);
      const cpuBefore = await Promise.all(pids.map((pid) => procCpuSeconds(pid)));
      const mainBefore = await Promise.all(pids.map((pid) => procMainThreadCpuSeconds(pid)));
      const busyBefore = await machineBusySeconds();
      const figures = await runBackfill(producer, follower, backfillSpecs(dataset, `${prefix}r${r}`));
      const busy = (await machineBusySeconds()) - busyBefore;
      const workerCpu = await Promise.all(
        pids.map(async (pid, w) => (await procCpuSeconds(pid)) - (cpuBefore[w] as number)),
      );
      const mainAfter = await Promise.all(pids.map((pid) => procMainThreadCpuSeconds(pid)));
      const memory = await Promise.all(pids.map((pid) => procMemory(pid)));
      const other = Math.max(0, busy - sum(workerCpu));
      const cpu = {
        workers: workerCpu,
        other,
        otherShare: other / (os.cpus().length * (figures.wallMs / 1000)),
        mainThreads: sum(mainAfter) - sum(mainBefore),
      };
      backfills.push({ ...figures, memory, cpu });
      log(
        `    wall ${Math.round(figures.wallMs)} ms, worker CPU ${workerCpu.map((s) => s.toFixed(1)).join('/')} s ` +
          `(main threads ${cpu.mainThreads.toFixed(1)}), other load ${Math.round(cpu.otherShare * 100)}%, ` +
          `peak RSS ${memory.map((m) => Math.round(m.peak)).join('/')} MB, datasets ${(figures.datasetBytes / 1e6).toFixed(1)} MB`,
      );
    },
    async finish() {
      try {
        const result: ConfigurationFigures = {
          rows: dataset.rows,
          dates: dataset.dates.length,
          workers: options.workers,
          format: options.format,
          warmup: warmUps,
          backfills,
          startup: workers.startup,
          peakSinceReset,
        };
        if (options.verify && options.format === 'csv') {
          log('  verifying the outputs against an unstreamed in-process run…');
          result.verifyProblems = await verifyAgainstUnstreamed(lakeDir, dataset.dates);
        }
        if (options.latencyRuns > 0) {
          log(`  ${what}: notebook-size latency, ${options.latencyRuns} runs on warm workers…`);
          result.latency = await measureLatency(producer, follower, options.latencyRuns);
        }
        return result;
      } finally {
        await close();
      }
    },
    close,
  };
}

async function enqueueOne(producer: Producer, tag: string) {
  const [run] = await enqueueRuns(producer, [notebookRun(tag)]);
  return run?.runId;
}

/** Deletes every Redis key under a BullMQ prefix. */
async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    await deleteQueueKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
