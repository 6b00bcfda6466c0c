import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerRunMetrics } from '../../src/board/metrics-runs.ts';
import { RunRecordCache } from '../../src/board/run-record-cache.ts';
import { RunStore } from '../../src/board/run-store.ts';
import { isParentFailure } from '../../src/board/run-summary.ts';
import { loadConfig } from '../../src/lib/config.ts';
import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { openLake } from '../../src/lib/lake/open-lake.ts';
import type { RunStatus } from '../../src/lib/pipeline/jobs.ts';
import type { RunRecord, StepRecord } from '../../src/lib/pipeline/run-record.ts';

const silent = pino({ level: 'silent' });
const ref = (key: string, rows: number) => ({ key, rows, bytes: rows * 10, sha256: 'x' });

function step(
  name: string,
  queue: StepRecord['queue'],
  status: string,
  extra: Partial<StepRecord> = {},
): StepRecord {
  return {
    name,
    queue,
    jobId: `job-${name}`,
    required: queue !== 'quality',
    status,
    attempts: 1,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    ...extra,
  };
}

/** A run record as workers write it: `a` ingested, transform wrote `out`, checked with suite `s`. */
function record(
  runId: string,
  status: RunStatus,
  endedAt: string,
  options: { rows?: number; score?: number; steps?: StepRecord[] } = {},
): RunRecord {
  const [pipeline = '', date = ''] = runId.split(/-(?=\d{4}-)/);
  const rows = options.rows ?? 5;
  return {
    runId,
    pipeline,
    date: date.slice(0, 10),
    suite: 's',
    status,
    enqueuedAt: new Date(Date.parse(endedAt) - 2000).toISOString(),
    endedAt,
    durationMs: 2000,
    steps: options.steps ?? [
      step('ingest_a', 'ingest', 'success', {
        result: { source: 'a', landing: ref('l', rows), metaKey: 'm', columns: [], warnings: [] },
      }),
      step('transform', 'transform', 'success'),
      step('quality_checks', 'quality', 'success'),
    ],
    errors: [],
    quality:
      options.score === undefined
        ? null
        : { passed: true, overallScore: options.score, failedChecks: [], reportKey: 'r' },
    datasets: status === 'failed' ? {} : { out: ref('o', rows - 1) },
    lineage: { inputs: [], outputs: [] },
  };
}

/** The value of `name{labels…}` in the text (labels as written, in order), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('run metrics from the run records in the lake', () => {
  let dir: string;
  let lake: DataLake;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-metrics-runs-'));
    lake = await openLake(loadConfig({ LAKE_URL: dir, LOG_LEVEL: 'silent' }));
  });
  afterEach(async () => {
    await lake.storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  function metrics(listIntervalMs: number, pipelines = ['p1', 'p2']) {
    const registry = new Registry();
    const cache = new RunRecordCache({
      lake,
      runs: new RunStore(lake, pipelines, silent),
      logger: silent,
      listIntervalMs,
    });
    registerRunMetrics(registry, cache);
    return { cache, scrape: () => registry.metrics() };
  }
  const write = (value: RunRecord) => lake.writeJson(lakeKeys.run(value.pipeline, value.runId), value);

  it('aggregates per pipeline: runs, last end per status, rows, durations, latest and previous score', async () => {
    await write(record('p1-2024-01-01', 'success', '2024-01-02T02:00:00.000Z', { rows: 5, score: 1 }));
    await write(record('p1-2024-01-02', 'partial', '2024-01-03T02:00:00.000Z', { rows: 7, score: 0.8 }));
    await write(record('p1-2024-01-01-rx', 'success', '2024-01-02T12:00:00.000Z', { rows: 3, score: 0.9 }));
    await write(record('p2-2024-01-01', 'success', '2024-01-02T03:00:00.000Z'));
    // Not counted: a pipeline the board did not load, a key that is not a run's, a file that is not JSON.
    await write(record('p3-2024-01-01', 'failed', '2024-01-02T03:00:00.000Z'));
    await lake.storage.put('p1/runs/notes.txt', 'hello');
    await lake.storage.put('p1/runs/p1-2024-01-09.json', '{not json');
    const text = await metrics(0).scrape();

    expect(sample(text, 'lakeflow_runs_total{pipeline="p1",status="success"}')).toBe(2);
    expect(sample(text, 'lakeflow_runs_total{pipeline="p1",status="partial"}')).toBe(1);
    expect(sample(text, 'lakeflow_runs_total{pipeline="p1",status="failed"}')).toBe(0);
    expect(sample(text, 'lakeflow_runs_total{pipeline="p2",status="success"}')).toBe(1);
    expect(text).not.toContain('pipeline="p3"');
    expect(sample(text, 'lakeflow_last_run_timestamp_seconds{pipeline="p1",status="success"}')).toBe(
      Date.parse('2024-01-02T12:00:00.000Z') / 1000,
    );
    expect(sample(text, 'lakeflow_last_run_timestamp_seconds{pipeline="p1",status="failed"}')).toBe(0);
    expect(sample(text, 'lakeflow_rows_ingested_total{pipeline="p1",source="a"}')).toBe(15);
    expect(sample(text, 'lakeflow_rows_written_total{pipeline="p1",dataset="out"}')).toBe(12);
    expect(sample(text, 'lakeflow_run_duration_seconds_count{pipeline="p1",status="success"}')).toBe(2);
    expect(sample(text, 'lakeflow_run_duration_seconds_bucket{le="5",pipeline="p1",status="success"}')).toBe(
      2,
    );
    expect(sample(text, 'lakeflow_run_duration_seconds_bucket{le="1",pipeline="p1",status="success"}')).toBe(
      0,
    );
    // Latest by end time: the partial run of 2024-01-02; before it, the re-run of 2024-01-01.
    expect(sample(text, 'lakeflow_quality_score{pipeline="p1",suite="s"}')).toBe(0.8);
    expect(sample(text, 'lakeflow_quality_previous_score{pipeline="p1",suite="s"}')).toBe(0.9);
    expect(text).not.toContain('lakeflow_quality_score{pipeline="p2"');
  });

  it('a failure is counted at its cause: a parent that BullMQ failed for its child is not', async () => {
    // Two ingestions failed; the second one's record saw the transform already failed for the first.
    const childFailed = 'child test:ingest:p1-2024-01-01-ingest-a failed';
    await write(
      record('p1-2024-01-01', 'failed', '2024-01-02T02:00:00.000Z', {
        steps: [
          step('ingest_a', 'ingest', 'failed', { error: 'MISSING_COLUMNS: x' }),
          step('ingest_b', 'ingest', 'failed', { error: 'NOT_FOUND: y' }),
          step('transform', 'transform', 'failed', { error: childFailed }),
          step('quality_checks', 'quality', 'waiting-children'),
        ],
      }),
    );
    const text = await metrics(0).scrape();
    expect(sample(text, 'lakeflow_runs_total{pipeline="p1",status="failed"}')).toBe(1);
    expect(sample(text, 'lakeflow_run_step_failures_total{pipeline="p1",step="ingest_a"}')).toBe(1);
    expect(sample(text, 'lakeflow_run_step_failures_total{pipeline="p1",step="ingest_b"}')).toBe(1);
    expect(text).not.toContain('step="transform"');
    expect(isParentFailure(childFailed)).toBe(true);
    expect(isParentFailure('job stalled more than allowable limit')).toBe(false);
    expect(isParentFailure(undefined)).toBe(false);
  });

  it('reads records incrementally: new keys at the next listing, a rewritten record once marked changed', async () => {
    await write(record('p1-2024-01-01', 'failed', '2024-01-02T02:00:00.000Z'));
    const { cache, scrape } = metrics(60 * 60_000);
    expect(sample(await scrape(), 'lakeflow_runs_total{pipeline="p1",status="failed"}')).toBe(1);

    // Within the listing interval a new record is seen only when the board's events name its run.
    await write(record('p1-2024-01-02', 'success', '2024-01-03T02:00:00.000Z'));
    expect(sample(await scrape(), 'lakeflow_runs_total{pipeline="p1",status="success"}')).toBe(0);
    cache.markChanged('p1-2024-01-02');
    expect(sample(await scrape(), 'lakeflow_runs_total{pipeline="p1",status="success"}')).toBe(1);

    // A run of the same id ended again (retried from the board): re-read once marked, not before.
    await write(record('p1-2024-01-01', 'success', '2024-01-04T02:00:00.000Z'));
    expect(sample(await scrape(), 'lakeflow_runs_total{pipeline="p1",status="failed"}')).toBe(1);
    cache.markChanged('p1-2024-01-01');
    const text = await scrape();
    expect(sample(text, 'lakeflow_runs_total{pipeline="p1",status="failed"}')).toBe(0);
    expect(sample(text, 'lakeflow_runs_total{pipeline="p1",status="success"}')).toBe(2);
    expect(sample(text, 'lakeflow_last_run_timestamp_seconds{pipeline="p1",status="success"}')).toBe(
      Date.parse('2024-01-04T02:00:00.000Z') / 1000,
    );
    // Runs of pipelines the board did not load, and ids that are no run's, are ignored.
    cache.markChanged('p3-2024-01-01');
    cache.markChanged('nonsense');
    expect(await scrape()).toBe(text);
  });

  it('a deleted record leaves the counts at the next listing', async () => {
    await write(record('p1-2024-01-01', 'success', '2024-01-02T02:00:00.000Z'));
    const { scrape } = metrics(0);
    expect(sample(await scrape(), 'lakeflow_runs_total{pipeline="p1",status="success"}')).toBe(1);
    await lake.storage.delete(lakeKeys.run('p1', 'p1-2024-01-01'));
    expect(sample(await scrape(), 'lakeflow_runs_total{pipeline="p1",status="success"}')).toBe(0);
  });
});
