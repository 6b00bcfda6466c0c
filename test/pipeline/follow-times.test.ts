import { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobIds, runIdOf } from '../../src/lib/pipeline/lifecycle.ts';
import { enqueueRuns } from '../../src/lib/pipeline/producer.ts';
import { stepTimes } from '../../src/lib/pipeline/run-record.ts';
import { RunFollower, type StepEvent } from '../../src/producers/follow-runs.ts';
import { formatRunSummary, formatWarnings, runTimes } from '../../src/producers/summary-table.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/workers/runtime.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type Events, openEvents } from '../reliability/support/harness.ts';

const SOURCES = ['transactions', 'customers', 'products'] as const;

let env: PipelineEnv;
let follower: RunFollower | undefined;
let ingest: Events | undefined;
const runtimes: WorkerRuntime[] = [];
beforeEach(async () => {
  env = await createPipelineEnv({ workers: false });
});
afterEach(async () => {
  await follower?.close();
  await ingest?.close();
  for (const runtime of runtimes.splice(0)) await runtime.shutdown();
  await env.close();
});

describe('the run follower', () => {
  it('shows each step’s queue wait apart from its work; the summary splits the run’s duration the same way', async () => {
    const spec = generatedRun('2024-05-01');
    const runId = runIdOf(spec);
    const events: StepEvent[] = [];
    follower = await RunFollower.open(env.producer, (event) => events.push(event));
    ingest = await openEvents(env.config, 'ingest');
    const ended = follower.wait([runId], 60_000);
    await enqueueRuns(env.producer, [spec]);

    // Only the ingest queue is served at first: the transform is held, ready, with no worker.
    runtimes.push(await startWorkerRuntime(env.config, { queues: ['ingest'], concurrency: 2 }));
    const ingestions = await Promise.all(
      SOURCES.map(async (source) => {
        const job = await Job.fromId(env.producer.queues.ingest, jobIds.ingest(runId, source));
        await job?.waitUntilFinished(ingest?.events as Events['events'], 60_000);
        return (await Job.fromId(env.producer.queues.ingest, jobIds.ingest(runId, source))) as Job;
      }),
    );
    const readyAt = Math.max(...ingestions.map((job) => job.finishedOn as number));
    const releasedAt = Date.now();
    runtimes.push(await startWorkerRuntime(env.config, { queues: ['transform', 'quality'], concurrency: 2 }));
    const [outcome] = await ended;
    expect(outcome?.status, outcome?.error).toBe('success');
    // Every step's line came before the run's end was reported.
    expect(events.map((event) => event.step).sort()).toEqual(
      ['ingest-customers', 'ingest-products', 'ingest-transactions', 'quality', 'transform'].sort(),
    );

    const job = async (step: StepEvent) => {
      const queue = step.step.startsWith('ingest-') ? 'ingest' : (step.step as 'transform' | 'quality');
      const id =
        queue === 'ingest' ? jobIds.ingest(runId, step.step.slice('ingest-'.length)) : jobIds[queue](runId);
      return (await Job.fromId(env.producer.queues[queue], id)) as Job;
    };
    for (const event of events) {
      expect(event.event).toBe('completed');
      expect(event.detail, event.step).toMatch(/^wait \d+\.\d\ds, work \d+\.\d\ds$/);
      const done = await job(event);
      // Work is the worker's time on the job; wait, from when it was ready to when a worker took it.
      expect(event.workMs, event.step).toBe((done.finishedOn as number) - (done.processedOn as number));
      const ready = event.step.startsWith('ingest-')
        ? done.timestamp
        : event.step === 'transform'
          ? readyAt
          : ((await Job.fromId(env.producer.queues.transform, jobIds.transform(runId)))
              ?.finishedOn as number);
      expect(event.waitMs, event.step).toBe((done.processedOn as number) - ready);
    }
    // The held transform waited at least as long as it was held.
    const transform = events.find((event) => event.step === 'transform') as StepEvent;
    expect(transform.waitMs).toBeGreaterThanOrEqual(releasedAt - readyAt);

    // The summary: along the critical path, wait + work is the run's duration.
    const record = outcome?.record;
    if (!record) throw new Error('no record');
    const times = runTimes(record);
    expect((times.waitMs ?? 0) + (times.workMs ?? 0)).toBe(record.durationMs);
    expect(times.waitMs).toBeGreaterThanOrEqual(releasedAt - readyAt);
    // The record's steps give the same wait as the follower saw for the transform.
    const transformTimes = stepTimes(record)[record.steps.findIndex((step) => step.name === 'transform')];
    expect(transformTimes?.waitMs).toBe(transform.waitMs);
    expect(transformTimes?.workMs).toBe(transform.workMs);

    const table = formatRunSummary([outcome]).split('\n');
    expect(table[0]).toMatch(
      /^run\s+status\s+dataset rows\s+quality\s+warnings\s+duration\s+wait\s+work\s+error$/,
    );
    const cells = (table[2] ?? '').split(/\s{2,}/);
    const seconds = (ms: number | null) => `${((ms ?? 0) / 1000).toFixed(2)}s`;
    expect(cells[4]).toBe(formatWarnings(record));
    expect(cells.slice(5, 8)).toEqual([
      seconds(record.durationMs),
      seconds(times.waitMs),
      seconds(times.workMs),
    ]);
  });

  it('a run with no record shows no times', () => {
    const table = formatRunSummary([{ runId: 'sales_etl-2024-05-02', status: 'timeout', record: null }]);
    expect(table.split('\n')[2]).toMatch(/^sales_etl-2024-05-02\s+TIMEOUT\s+-\s+-\s+-\s+-\s+-\s+-$/);
  });

  it('shows the checks that ended warn: how many and which; none, or a record without them, is -', () => {
    const quality = { passed: true, overallScore: 1, failedChecks: [], reportKey: 'k' };
    const warned = { ...quality, warnings: ['Complete: site', 'Range: temp'] };
    expect(formatWarnings({ quality: warned })).toBe('2: Complete: site, Range: temp');
    expect(formatWarnings({ quality: { ...quality, warnings: [] } })).toBe('-');
    expect(formatWarnings({ quality })).toBe('-'); // a record written before warnings were recorded
    expect(formatWarnings(null)).toBe('-');
    const many = { ...quality, warnings: Array.from({ length: 9 }, (_, i) => `Check number ${i}`) };
    expect(formatWarnings({ quality: many })).toMatch(/^9: Check number 0, .{30,}\.\.\.$/);
    expect(formatWarnings({ quality: many })).toHaveLength(60);

    const record = (runId: string, warnings: string[]) => ({
      runId,
      status: 'success' as const,
      record: {
        runId,
        pipeline: 'p',
        date: '2024-05-03',
        suite: 's',
        status: 'success' as const,
        enqueuedAt: null,
        endedAt: '2024-05-03T00:00:01.000Z',
        durationMs: 1000,
        steps: [],
        errors: [],
        quality: { ...quality, warnings },
        datasets: {},
        lineage: { inputs: [], outputs: [] },
      },
    });
    const rows = formatRunSummary([record('p-2024-05-03', ['Complete: site']), record('p-2024-05-04', [])]);
    const [header = '', , first = '', second = ''] = rows.split('\n');
    const at = header.indexOf('warnings');
    expect(first.slice(at)).toMatch(/^1: Complete: site +1\.00s/);
    expect(second.slice(at)).toMatch(/^- +1\.00s/);
  });
});
