import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerProcess, type WorkerProcess } from '../../src/dev/worker-process.ts';
import { sha256 } from '../../src/lib/lake/data-lake.ts';
import type { RunSpec } from '../../src/lib/pipeline/lifecycle.ts';
import { enqueueRuns } from '../../src/lib/pipeline/producer.ts';
import { RunFollower, type StepEvent } from '../../src/producers/follow-runs.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';

const DATES = ['2024-02-01', '2024-02-02', '2024-02-03', '2024-02-04', '2024-02-05', '2024-02-06'];
const LONG_DATES = [...DATES, '2024-02-07', '2024-02-08'];
const backfill = (dates = DATES, records = 3000): RunSpec[] =>
  dates.map((date) => {
    const spec = generatedRun(date);
    spec.sources.transactions = { ...spec.sources.transactions!, records } as never;
    return spec;
  });
// Long enough that the first process leaves while runs are still in flight.
const longBackfill = () => backfill(LONG_DATES, 25_000);
const runIdsOf = (enqueued: { runId: string }[]) => enqueued.map(({ runId }) => runId);

let envs: PipelineEnv[] = [];
let processes: WorkerProcess[] = [];
afterEach(async () => {
  await Promise.all(processes.map((worker) => worker.stop('SIGKILL')));
  await Promise.all(envs.map((env) => env.close()));
  envs = [];
  processes = [];
});

async function isolatedEnv(workers: boolean): Promise<PipelineEnv> {
  const env = await createPipelineEnv({ workers });
  envs.push(env);
  return env;
}

async function startWorker(env: PipelineEnv, concurrency = 2): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(env.env, ['--concurrency', String(concurrency)]);
  processes.push(worker);
  return worker;
}

/** The CSV objects of a lake (landing and processed), by key → sha256 of their bytes. */
async function csvChecksums(env: PipelineEnv): Promise<Record<string, string>> {
  const storage = env.producer.lake.storage;
  const keys = (await storage.list('')).filter((key) => key.endsWith('.csv'));
  const sums: Record<string, string> = {};
  for (const key of keys) sums[key] = sha256(await storage.get(key));
  return sums;
}

const pidsThatFinishedSteps = (workers: WorkerProcess[]) =>
  new Set(workers.filter((w) => w.logs.some((entry) => entry.msg === 'step finished')).map((w) => w.pid));

describe('horizontal scale-out with real worker processes', () => {
  it('shares a backfill between processes, with the outputs of a one-worker run', async () => {
    const reference = await isolatedEnv(true);
    const single = await reference.run(backfill(), 60_000);
    expect(single.map((outcome) => outcome.status)).toEqual(DATES.map(() => 'success'));

    const env = await isolatedEnv(false);
    const workers = [await startWorker(env), await startWorker(env)];
    const outcomes = await env.run(backfill(), 60_000);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(DATES.map(() => 'success'));
    expect(pidsThatFinishedSteps(workers).size).toBe(2);
    expect(await csvChecksums(env)).toEqual(await csvChecksums(reference));
  });

  it('loses nothing when a process joins and another leaves mid-backfill', async () => {
    const reference = await isolatedEnv(true);
    await reference.run(longBackfill(), 60_000);

    const env = await isolatedEnv(false);
    const first = await startWorker(env, 1);
    const runs = longBackfill();
    const [early, late] = [runs.slice(0, 4), runs.slice(4)];
    // A second process joins once the first run has ended. The backfill's later dates are enqueued
    // when it is ready, so it finds work however long its start-up took (the first process alone
    // could otherwise finish everything meanwhile). The first process leaves (SIGTERM, graceful) when
    // the fourth run has ended, with the later dates still running.
    let ended = 0;
    let second: Promise<WorkerProcess> | undefined;
    let lateRunIds: Promise<string[]> | undefined;
    let firstLeft: Promise<number | string> | undefined;
    const follower = await RunFollower.open(env.producer, (event: StepEvent) => {
      if (event.step !== 'quality') return;
      ended += 1;
      if (ended === 1) {
        second = startWorker(env);
        lateRunIds = second.then(async () => runIdsOf(await enqueueRuns(env.producer, late)));
      }
      if (ended === 4) firstLeft = lateRunIds?.then(() => first.stop('SIGTERM'));
    });
    try {
      const earlyOutcomes = await follower.wait(runIdsOf(await enqueueRuns(env.producer, early)), 60_000);
      // Four runs have ended, so the second process was started and the later dates enqueued.
      const lateOutcomes = await follower.wait(await lateRunIds!, 60_000);
      expect([...earlyOutcomes, ...lateOutcomes].map((outcome) => outcome.status)).toEqual(
        LONG_DATES.map(() => 'success'),
      );
      expect(await firstLeft).toBe(0); // the leaving process finished its jobs and exited cleanly
      expect(pidsThatFinishedSteps([first, await second!]).size).toBe(2);
      expect(await csvChecksums(env)).toEqual(await csvChecksums(reference));
    } finally {
      await follower.close();
    }
  });
});
