import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountedJob } from '../../src/board/metrics.ts';
import type { InputSpec } from '../../src/lib/pipeline/jobs.ts';
import { jobIds, type RunSpec } from '../../src/lib/pipeline/lifecycle.ts';
import type { RunOutcome } from '../../src/producers/follow-runs.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type PipelinesDir, smallPipeline, writePipelinesDir } from '../helpers/test-pipelines.ts';
import { type BoardEnv, startBoard } from './board-env.ts';

const PIPELINE = 'metrics_small';
const GOOD_RUN = `${PIPELINE}-2024-01-20`;
const BAD_RUN = `${PIPELINE}-2024-01-21`;

/** One sample of the exposition text. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
      labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the series `name{labels}` (exactly those labels), or undefined when absent. */
function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels);
  return samples.find(
    (sample) =>
      sample.name === name &&
      Object.keys(sample.labels).length === wanted.length &&
      wanted.every(([key, v]) => sample.labels[key] === v),
  )?.value;
}

/** Resolves once the board's metrics have handled the end (`outcome`) of every job in `ids`. */
function handled(
  board: BoardEnv,
  ids: readonly string[],
  outcome: CountedJob['outcome'],
): Promise<Map<string, CountedJob>> {
  const seen = new Map<string, CountedJob>();
  return new Promise((resolve) => {
    const onJob = (job: CountedJob) => {
      if (job.outcome === outcome && ids.includes(job.jobId)) seen.set(job.jobId, job);
      if (seen.size < ids.length) return;
      board.board.metrics.events.off('job', onJob);
      resolve(seen);
    };
    board.board.metrics.events.on('job', onJob);
  });
}

function runSpec(date: string, readings: InputSpec): RunSpec {
  return {
    pipeline: PIPELINE,
    date,
    suite: 'basic',
    sources: { readings, dim_1: { kind: 'generate', seed: 1, options: {} } },
  };
}

/** The series of the run metrics (from the lake), as `name{labels} value` lines. */
function runSeries(text: string): string[] {
  return text
    .split('\n')
    .filter((line) =>
      /^lakeflow_(runs|runs_total|last_run_timestamp_seconds|run_duration_seconds_\w+|rows_ingested_total|rows_written_total|run_step_failures_total|quality_score|quality_previous_score)[{ ]/.test(
        line,
      ),
    )
    .sort();
}

describe('/metrics per pipeline: runs, rows, quality, failures counted at their cause, across a restart', () => {
  let pipelines: PipelinesDir;
  let inputs: string;
  let env: PipelineEnv;
  let board: BoardEnv;
  let good: RunOutcome;
  let bad: RunOutcome;
  let afterRuns: string;

  beforeAll(async () => {
    pipelines = await writePipelinesDir({ [PIPELINE]: smallPipeline(PIPELINE, 1) });
    inputs = await mkdtemp(path.join(tmpdir(), 'lakeflow-metrics-inputs-'));
    env = await createPipelineEnv({ env: { PIPELINES_DIR: pipelines.dir } });
    // The board subscribes to the queue events before the runs start, so it sees every job end.
    board = await startBoard({ config: env.config, env: { PIPELINES_DIR: pipelines.dir } });
  });
  afterAll(async () => {
    await board?.close();
    await env?.close();
    await pipelines?.cleanup();
    if (inputs) await rm(inputs, { recursive: true, force: true });
  });

  it('after a successful run: its end time, duration, rows in and out, and quality score', async () => {
    const ended = handled(board, [jobIds.quality(GOOD_RUN)], 'completed');
    [good] = (await env.run([
      runSpec('2024-01-20', { kind: 'generate', records: 10, seed: 7, options: {} }),
    ])) as [RunOutcome];
    await ended;
    expect(good.status, good.error).toBe('success');
    const record = good.record!;

    const response = await board.request('/metrics');
    expect(response.status).toBe(200);
    const samples = parse(await response.text());
    const p = { pipeline: PIPELINE };
    expect(value(samples, 'lakeflow_runs_total', { ...p, status: 'success' })).toBe(1);
    expect(value(samples, 'lakeflow_runs_total', { ...p, status: 'failed' })).toBe(0);
    expect(value(samples, 'lakeflow_last_run_timestamp_seconds', { ...p, status: 'success' })).toBe(
      Date.parse(record.endedAt) / 1000,
    );
    // Never: 0, so "no successful run for 26 h" also fires for a pipeline that never succeeded.
    expect(value(samples, 'lakeflow_last_run_timestamp_seconds', { ...p, status: 'failed' })).toBe(0);
    expect(value(samples, 'lakeflow_run_duration_seconds_count', { ...p, status: 'success' })).toBe(1);
    expect(value(samples, 'lakeflow_run_duration_seconds_sum', { ...p, status: 'success' })).toBeCloseTo(
      (record.durationMs as number) / 1000,
      6,
    );
    expect(value(samples, 'lakeflow_rows_ingested_total', { ...p, source: 'readings' })).toBe(10);
    expect(value(samples, 'lakeflow_rows_ingested_total', { ...p, source: 'dim_1' })).toBe(2);
    expect(value(samples, 'lakeflow_rows_written_total', { ...p, dataset: 'wide' })).toBe(10);
    expect(value(samples, 'lakeflow_rows_written_total', { ...p, dataset: 'by_device' })).toBe(3);
    expect(record.quality?.overallScore).toEqual(expect.any(Number));
    expect(value(samples, 'lakeflow_quality_score', { ...p, suite: 'basic' })).toBe(
      record.quality?.overallScore,
    );
    // One run checked with the suite: no earlier score to compare with.
    expect(value(samples, 'lakeflow_quality_previous_score', { ...p, suite: 'basic' })).toBeUndefined();
    for (const queue of ['ingest', 'transform', 'quality'])
      expect(value(samples, 'lakeflow_job_failures_total', { queue, ...p }), queue).toBe(0);
  });

  it('after a failed run: one failure, at the ingestion that caused it, not again at its parents', async () => {
    const file = path.join(inputs, 'readings.csv');
    // Missing columns: refused at ingestion, never retried.
    await writeFile(file, 'reading_id,ts\nR1,2024-01-21 10:00:00\n');
    const failedJobs = [
      jobIds.ingest(BAD_RUN, 'readings'),
      jobIds.transform(BAD_RUN),
      jobIds.quality(BAD_RUN),
    ];
    const ended = handled(board, failedJobs, 'failed');
    [bad] = (await env.run([runSpec('2024-01-21', { kind: 'file', path: file })])) as [RunOutcome];
    const jobs = await ended;
    expect(bad.status).toBe('failed');
    // BullMQ failed the transform and the quality root because their child failed.
    expect(jobs.get(jobIds.ingest(BAD_RUN, 'readings'))?.parentFailure).toBe(false);
    expect(jobs.get(jobIds.transform(BAD_RUN))?.parentFailure).toBe(true);
    expect(jobs.get(jobIds.quality(BAD_RUN))?.parentFailure).toBe(true);

    afterRuns = await (await board.request('/metrics')).text();
    const samples = parse(afterRuns);
    const p = { pipeline: PIPELINE };
    expect(value(samples, 'lakeflow_runs_total', { ...p, status: 'failed' })).toBe(1);
    expect(value(samples, 'lakeflow_runs_total', { ...p, status: 'success' })).toBe(1);
    expect(value(samples, 'lakeflow_runs', { ...p, status: 'failed' })).toBe(1);
    expect(value(samples, 'lakeflow_last_run_timestamp_seconds', { ...p, status: 'failed' })).toBe(
      Date.parse(bad.record!.endedAt) / 1000,
    );
    expect(value(samples, 'lakeflow_last_run_timestamp_seconds', { ...p, status: 'success' })).toBe(
      Date.parse(good.record!.endedAt) / 1000,
    );
    // The run's steps: counted once, at the ingestion.
    const stepFailures = samples.filter((sample) => sample.name === 'lakeflow_run_step_failures_total');
    expect(stepFailures).toEqual([
      { name: 'lakeflow_run_step_failures_total', labels: { ...p, step: 'ingest_readings' }, value: 1 },
    ]);
    // The jobs: the ingestion's failure, not the transform's and the root's that BullMQ derived from it.
    expect(value(samples, 'lakeflow_job_failures_total', { queue: 'ingest', ...p })).toBe(1);
    expect(value(samples, 'lakeflow_job_failures_total', { queue: 'transform', ...p })).toBe(0);
    expect(value(samples, 'lakeflow_job_failures_total', { queue: 'quality', ...p })).toBe(0);
    // Rows: the failed run landed none and wrote none.
    expect(value(samples, 'lakeflow_rows_ingested_total', { ...p, source: 'readings' })).toBe(10);
    expect(value(samples, 'lakeflow_rows_written_total', { ...p, dataset: 'wide' })).toBe(10);
    expect(value(samples, 'lakeflow_run_duration_seconds_count', { ...p, status: 'failed' })).toBe(1);
  });

  it('after a restart of the board: the run counters and gauges are read back from the lake', async () => {
    expect(afterRuns).toBeDefined();
    await board.close();
    board = await startBoard({ config: env.config, env: { PIPELINES_DIR: pipelines.dir } });
    const text = await (await board.request('/metrics')).text();
    const before = runSeries(afterRuns);
    expect(before.length).toBeGreaterThan(20);
    expect(runSeries(text)).toEqual(before);
    const samples = parse(text);
    expect(value(samples, 'lakeflow_runs_total', { pipeline: PIPELINE, status: 'failed' })).toBe(1);
    expect(value(samples, 'lakeflow_quality_score', { pipeline: PIPELINE, suite: 'basic' })).toBe(
      good.record?.quality?.overallScore,
    );
    // The job-event metrics count from this board's start.
    expect(value(samples, 'lakeflow_job_failures_total', { queue: 'ingest', pipeline: PIPELINE })).toBe(0);
  });

  it('a re-run of the date: counted as another run, and its score compared with the one before', async () => {
    const ended = handled(board, [jobIds.quality(`${GOOD_RUN}-rmetrics`)], 'completed');
    const spec = {
      ...runSpec('2024-01-20', { kind: 'generate', records: 4, seed: 7, options: {} }),
      rerunTag: 'metrics',
    };
    const [rerun] = (await env.run([spec])) as [RunOutcome];
    await ended;
    expect(rerun.status, rerun.error).toBe('success');
    const samples = parse(await (await board.request('/metrics')).text());
    const p = { pipeline: PIPELINE };
    expect(value(samples, 'lakeflow_runs_total', { ...p, status: 'success' })).toBe(2);
    expect(value(samples, 'lakeflow_last_run_timestamp_seconds', { ...p, status: 'success' })).toBe(
      Date.parse(rerun.record!.endedAt) / 1000,
    );
    expect(value(samples, 'lakeflow_rows_ingested_total', { ...p, source: 'readings' })).toBe(14);
    expect(value(samples, 'lakeflow_quality_score', { ...p, suite: 'basic' })).toBe(
      rerun.record?.quality?.overallScore,
    );
    expect(value(samples, 'lakeflow_quality_previous_score', { ...p, suite: 'basic' })).toBe(
      good.record?.quality?.overallScore,
    );
  });
});
