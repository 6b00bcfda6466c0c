import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../src/board/run-listing.ts';
import type { ApiErrorBody, RunListBody } from '../../src/board/runs-api.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { jobIds, newRerunTag, runIdOf } from '../../src/lib/pipeline/lifecycle.ts';
import { enqueueRuns } from '../../src/lib/pipeline/producer.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/workers/runtime.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type Events, openEvents } from '../reliability/support/harness.ts';
import { type BoardEnv, startBoard } from './board-env.ts';

const SOURCES = ['transactions', 'customers', 'products'] as const;

/**
 * The run API over real runs on BullMQ: a run shows while it runs (held at its transform by serving
 * only the ingest queue at first), and a re-run of a date has its own quality report beside the first
 * run's, the API saying which run is the date's latest.
 */
describe('the run API over real runs', () => {
  let pipeline: PipelineEnv;
  let board: BoardEnv;
  let ingest: Events;
  const runtimes: WorkerRuntime[] = [];

  beforeAll(async () => {
    pipeline = await createPipelineEnv({ workers: false });
    board = await startBoard({ config: pipeline.config });
    ingest = await openEvents(pipeline.config, 'ingest');
  });
  afterAll(async () => {
    await ingest?.close();
    for (const runtime of runtimes.splice(0)) await runtime.shutdown();
    await board?.close();
    await pipeline?.close();
  });

  it('lists a run in progress with its steps so far, filters and pages it, then shows it ended', async () => {
    const spec = generatedRun('2024-03-01');
    const runId = runIdOf(spec);
    await enqueueRuns(pipeline.producer, [spec]);

    // No worker yet: every step waits.
    const queued = await board.json<RunListBody>('/api/runs');
    expect(queued.body.total).toBe(1);
    expect(queued.body.runs[0]).toMatchObject({
      runId,
      pipeline: 'sales_etl',
      date: '2024-03-01',
      suite: 'pipeline',
      status: 'running',
      endedAt: null,
      durationMs: null,
      latest: false,
      supersededBy: null,
      quality: null,
    });
    expect(queued.body.runs[0]?.steps.map((step) => [step.name, step.status])).toEqual([
      ['ingest_transactions', 'waiting'],
      ['ingest_customers', 'waiting'],
      ['ingest_products', 'waiting'],
      ['transform', 'waiting-children'],
      ['quality_checks', 'waiting-children'],
    ]);

    // Workers for the ingest queue only: the ingestions end, the transform waits for a worker.
    runtimes.push(await startWorkerRuntime(pipeline.config, { queues: ['ingest'], concurrency: 2 }));
    await Promise.all(
      SOURCES.map(async (source) => {
        const job = await Job.fromId(pipeline.producer.queues.ingest, jobIds.ingest(runId, source));
        await job?.waitUntilFinished(ingest.events, 60_000);
      }),
    );

    const running = await board.json<RunListBody>('/api/runs?status=running&pipeline=sales_etl');
    expect(running.body.runs.map((run) => run.runId)).toEqual([runId]);
    const steps = running.body.runs[0]?.steps ?? [];
    expect(steps.map((step) => [step.name, step.status])).toEqual([
      ['ingest_transactions', 'success'],
      ['ingest_customers', 'success'],
      ['ingest_products', 'success'],
      ['transform', 'waiting'],
      ['quality_checks', 'waiting-children'],
    ]);
    for (const step of steps.slice(0, 3)) {
      expect(step.durationMs, step.name).toBeGreaterThanOrEqual(0);
      expect(step.waitMs, step.name).toBeGreaterThanOrEqual(0);
    }
    // The transform is ready and waiting: its wait so far; the quality step is not ready yet.
    expect(steps[3]).toMatchObject({ durationMs: null });
    expect(steps[3]?.waitMs).toBeGreaterThanOrEqual(0);
    expect(steps[4]).toMatchObject({ durationMs: null, waitMs: null });

    const one = await board.json<RunView>(`/api/runs/${runId}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ runId, status: 'running', endedAt: null, latest: false });
    expect(one.body.steps[0]).toMatchObject({ name: 'ingest_transactions', status: 'success', attempts: 1 });
    const report = await board.json<ApiErrorBody>(`/api/runs/${runId}/quality`);
    expect(report).toEqual({
      status: 404,
      body: { code: 'REPORT_NOT_FOUND', error: `run ${runId} has no quality report yet: it is running` },
    });

    // Filters apply to runs in progress too.
    const ids = async (query: string) =>
      (await board.json<RunListBody>(`/api/runs?${query}`)).body.runs.map((run) => run.runId);
    expect(await ids('status=success')).toEqual([]);
    expect(await ids('from=2024-03-02')).toEqual([]);
    expect(await ids('to=2024-02-29')).toEqual([]);
    expect(await ids('from=2024-03-01&to=2024-03-01')).toEqual([runId]);
    expect(await ids('date=2024-03-01')).toEqual([runId]);

    // Release it: the run ends, and is listed once, as ended.
    runtimes.push(
      await startWorkerRuntime(pipeline.config, { queues: ['transform', 'quality'], concurrency: 2 }),
    );
    const [outcome] = await pipeline.follower.wait([runId], 60_000);
    expect(outcome?.status, outcome?.error).toBe('success');
    const ended = await board.json<RunListBody>('/api/runs');
    expect(ended.body.total).toBe(1);
    expect(ended.body.runs[0]).toMatchObject({ runId, status: 'success', latest: true, supersededBy: null });
    expect(ended.body.runs[0]?.endedAt).toBe(outcome?.record?.endedAt);
  });

  it('pages runs in progress before ended ones, each once', async () => {
    // Every queue is served now: pausing the quality queue holds two runs in progress after their
    // transform.
    await pipeline.producer.queues.quality.pause();
    try {
      const specs = ['2024-03-05', '2024-03-06'].map((date) => generatedRun(date));
      const transformEvents = await openEvents(pipeline.config, 'transform');
      try {
        await enqueueRuns(pipeline.producer, specs);
        await Promise.all(
          specs.map(async (spec) => {
            const job = await Job.fromId(pipeline.producer.queues.transform, jobIds.transform(runIdOf(spec)));
            await job?.waitUntilFinished(transformEvents.events, 60_000);
          }),
        );
      } finally {
        await transformEvents.close();
      }
      const seen: string[] = [];
      let next: string | null = '';
      while (next !== null) {
        const page: RunListBody = (
          await board.json<RunListBody>(`/api/runs?limit=1${next ? `&cursor=${next}` : ''}`)
        ).body;
        expect(page.total).toBe(3);
        seen.push(...page.runs.map((run) => `${run.runId} ${run.status}`));
        next = page.nextCursor;
      }
      // In progress first (newest enqueued first; same moment: by run id), then the ended run.
      expect(seen.slice(0, 2).sort()).toEqual(specs.map((spec) => `${runIdOf(spec)} running`));
      expect(seen[2]).toBe('sales_etl-2024-03-01 success');
      const running = await board.json<RunListBody>('/api/runs?status=running&offset=1');
      expect(running.body).toMatchObject({ total: 2, offset: 1 });
      expect(running.body.runs[0]?.steps.map((step) => step.status)).toEqual([
        'success',
        'success',
        'success',
        'success',
        'waiting',
      ]);
    } finally {
      await pipeline.producer.queues.quality.resume();
    }
    const outcomes = await pipeline.follower.wait(['sales_etl-2024-03-05', 'sales_etl-2024-03-06'], 60_000);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['success', 'success']);
  });

  it("a re-run leaves the first run's report as it was; each run's report is served, and the latest named", async () => {
    const date = '2024-03-02';
    const [first] = await pipeline.run([generatedRun(date)], 60_000);
    expect(first?.status, first?.error).toBe('success');
    const firstId = first?.record?.runId as string;
    const firstKey = first?.record?.quality?.reportKey as string;
    expect(firstKey).toBe(lakeKeys.qualityReport('sales_etl', 'enriched', date, firstId));
    const firstBytes = await pipeline.producer.lake.storage.get(firstKey);

    const base = generatedRun(date);
    const rerunSpec = generatedRun(date, {
      rerunTag: newRerunTag(),
      sources: { ...base.sources, transactions: { kind: 'generate', records: 150, seed: 7, options: {} } },
    });
    const [second] = await pipeline.run([rerunSpec], 60_000);
    expect(second?.status, second?.error).toBe('success');
    const secondId = runIdOf(rerunSpec);
    const secondKey = second?.record?.quality?.reportKey as string;
    expect(secondKey).toBe(`sales_etl/quality/enriched/date=${date}/${secondId}.json`);

    // The first report is byte for byte what the first run wrote.
    expect(await pipeline.producer.lake.storage.get(firstKey)).toEqual(firstBytes);
    const firstReport = await board.json<{ runId: string; row_count: number }>(
      `/api/runs/${firstId}/quality`,
    );
    expect(firstReport).toEqual({ status: 200, body: JSON.parse(firstBytes.toString('utf8')) });
    expect(firstReport.body.runId).toBe(firstId);
    const secondReport = await board.json<{ runId: string; row_count: number }>(
      `/api/runs/${secondId}/quality`,
    );
    expect(secondReport.status).toBe(200);
    expect(secondReport.body.runId).toBe(secondId);
    expect(secondReport.body.row_count).toBe(second?.record?.datasets.enriched?.rows);
    expect(secondReport.body.row_count).not.toBe(firstReport.body.row_count);

    // The re-run is the date's latest; the first run says it was superseded, and by which.
    const firstRun = await board.json<RunView>(`/api/runs/${firstId}`);
    expect([firstRun.body.latest, firstRun.body.supersededBy]).toEqual([false, secondId]);
    const secondRun = await board.json<RunView>(`/api/runs/${secondId}`);
    expect([secondRun.body.latest, secondRun.body.supersededBy]).toEqual([true, null]);
    const latest = await board.json<RunView>(`/api/runs/latest?pipeline=sales_etl&date=${date}`);
    expect(latest.status).toBe(200);
    expect(latest.body.runId).toBe(secondId);
    expect(latest.body.quality?.reportKey).toBe(secondKey);
    const listed = await board.json<RunListBody>(`/api/runs?date=${date}`);
    expect(listed.body.runs.map((run) => [run.runId, run.latest, run.supersededBy])).toEqual([
      [secondId, true, null],
      [firstId, false, secondId],
    ]);
  });
});
