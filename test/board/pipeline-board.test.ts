import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountedJob } from '../../src/board/metrics.ts';
import type { RunListBody } from '../../src/board/runs-api.ts';
import { jobIds } from '../../src/lib/pipeline/lifecycle.ts';
import type { RunRecord } from '../../src/lib/pipeline/run-record.ts';
import type { RunOutcome } from '../../src/producers/follow-runs.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type BoardEnv, startBoard } from './board-env.ts';

const RUN_ID = 'sales_etl-2024-01-20';
const SOURCES = ['transactions', 'customers', 'products'] as const;
const ALL_JOBS = [
  ...SOURCES.map((source) => jobIds.ingest(RUN_ID, source)),
  jobIds.transform(RUN_ID),
  jobIds.quality(RUN_ID),
];

interface FlowNode {
  id: string;
  queueName: string;
  state: string;
  children: FlowNode[];
}

/** Resolves once the board's metrics have counted a job end matching `predicate` for every id in `ids`. */
function counted(board: BoardEnv, ids: readonly string[], outcome: CountedJob['outcome']): Promise<void> {
  const waiting = new Set(ids);
  return new Promise((resolve) => {
    const onJob = (job: CountedJob) => {
      if (job.outcome === outcome) waiting.delete(job.jobId);
      if (waiting.size > 0) return;
      board.board.metrics.events.off('job', onJob);
      resolve();
    };
    board.board.metrics.events.on('job', onJob);
  });
}

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the board over a real run', () => {
  let pipeline: PipelineEnv;
  let board: BoardEnv;
  let outcome: RunOutcome;

  beforeAll(async () => {
    pipeline = await createPipelineEnv();
    // The board subscribes to queue events before the run starts, so it sees every job end.
    board = await startBoard({ config: pipeline.config });
    const allCounted = counted(board, ALL_JOBS, 'completed');
    [outcome] = (await pipeline.run([generatedRun('2024-01-20')])) as [RunOutcome];
    await allCounted;
  });
  afterAll(async () => {
    await board?.close();
    await pipeline?.close();
  });

  it('the run ended with a record', () => {
    expect(outcome.record, outcome.error).not.toBeNull();
    expect(['success', 'partial']).toContain(outcome.status);
  });

  it("Bull Board lists the run's completed jobs in each queue", async () => {
    for (const [queue, expected] of [
      ['ingest', SOURCES.map((source) => jobIds.ingest(RUN_ID, source))],
      ['transform', [jobIds.transform(RUN_ID)]],
      ['quality', [jobIds.quality(RUN_ID)]],
    ] as const) {
      const { body } = await board.json<{ queues: { name: string; jobs: { id: string }[] }[] }>(
        `/board/api/queues?activeQueue=${queue}&status=completed&page=1`,
      );
      const jobs = body.queues.find((candidate) => candidate.name === queue)?.jobs ?? [];
      expect(jobs.map((job) => job.id).sort(), queue).toEqual([...expected].sort());
    }
  });

  it('the flow of an ingestion leads up to its quality root and down to every ingestion', async () => {
    const { status, body } = await board.json<{ isFlowNode: boolean; flowRoot: FlowNode }>(
      `/board/api/queues/ingest/${jobIds.ingest(RUN_ID, 'customers')}/flow`,
    );
    expect(status).toBe(200);
    expect(body.isFlowNode).toBe(true);
    expect(body.flowRoot).toMatchObject({
      id: jobIds.quality(RUN_ID),
      queueName: 'quality',
      state: 'completed',
    });
    const [transform] = body.flowRoot.children;
    expect(transform).toMatchObject({ id: jobIds.transform(RUN_ID), queueName: 'transform' });
    expect(transform?.children.map((child) => child.id).sort()).toEqual(
      SOURCES.map((source) => jobIds.ingest(RUN_ID, source)).sort(),
    );
  });

  it('the run API lists the run and returns its record and quality report', async () => {
    const list = await board.json<RunListBody>('/api/runs?date=2024-01-20&pipeline=sales_etl');
    expect(list.body.runs.map((run) => run.runId)).toEqual([RUN_ID]);
    expect(list.body.runs[0]?.status).toBe(outcome.status);
    expect(list.body.runs[0]).toMatchObject({ latest: true, supersededBy: null });
    // Each step's work and its queue wait, apart.
    for (const step of list.body.runs[0]?.steps ?? []) {
      expect(step.durationMs, step.name).toBeGreaterThanOrEqual(0);
      expect(step.waitMs, step.name).toBeGreaterThanOrEqual(0);
    }
    const record = await board.json<RunRecord>(`/api/runs/${RUN_ID}`);
    expect(record.status).toBe(200);
    expect(record.body.steps.map((step) => step.name)).toEqual([
      'ingest_transactions',
      'ingest_customers',
      'ingest_products',
      'transform',
      'quality_checks',
    ]);
    const report = await board.json<Record<string, unknown>>(`/api/runs/${RUN_ID}/quality`);
    expect(report.status).toBe(200);
    expect(typeof report.body).toBe('object');
    expect(report.body.runId).toBe(RUN_ID);
  });

  it('/metrics has queue gauges, durations, failures and runs by status, labelled by pipeline', async () => {
    const response = await board.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, 'lakeflow_queue_jobs{queue="ingest",state="completed"}')).toBe(3);
    expect(sample(text, 'lakeflow_queue_jobs{queue="transform",state="completed"}')).toBe(1);
    expect(sample(text, 'lakeflow_queue_jobs{queue="quality",state="completed"}')).toBe(1);
    expect(sample(text, 'lakeflow_queue_jobs{queue="quality",state="failed"}')).toBe(0);
    expect(sample(text, 'lakeflow_job_duration_seconds_count{queue="ingest",pipeline="sales_etl"}')).toBe(3);
    expect(sample(text, 'lakeflow_job_duration_seconds_count{queue="quality",pipeline="sales_etl"}')).toBe(1);
    expect(
      sample(text, 'lakeflow_job_duration_seconds_sum{queue="transform",pipeline="sales_etl"}'),
    ).toBeGreaterThan(0);
    expect(sample(text, 'lakeflow_job_failures_total{queue="ingest",pipeline="sales_etl"}')).toBe(0);
    expect(sample(text, `lakeflow_runs{pipeline="sales_etl",status="${outcome.status}"}`)).toBe(1);
    expect(sample(text, 'lakeflow_runs{pipeline="sales_etl",status="failed"}')).toBe(0);
    expect(text).toContain('# TYPE lakeflow_board_process_cpu_seconds_total counter');
  });

  it('a job that fails for good counts as a failure of its queue (and pipeline, when it names one)', async () => {
    const failed = counted(board, ['bad-payload'], 'failed');
    // An invalid payload fails at once (never retried): the quickest real failure there is.
    await pipeline.producer.queues.ingest.add('ingest-bad', {} as never, { jobId: 'bad-payload' });
    await failed;
    const text = await (await board.request('/metrics')).text();
    expect(sample(text, 'lakeflow_job_failures_total{queue="ingest",pipeline="unknown"}')).toBe(1);
    expect(sample(text, 'lakeflow_job_failures_total{queue="ingest",pipeline="sales_etl"}')).toBe(0);
    expect(sample(text, 'lakeflow_queue_jobs{queue="ingest",state="failed"}')).toBe(1);
  });
});
