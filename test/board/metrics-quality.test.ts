import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerQualityMetrics } from '../../src/board/metrics-quality.ts';
import { RunRecordCache } from '../../src/board/run-record-cache.ts';
import { RunStore } from '../../src/board/run-store.ts';
import { loadConfig } from '../../src/lib/config.ts';
import { loadPipelines, type PipelineRegistry } from '../../src/lib/definition/registry.ts';
import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { openLake } from '../../src/lib/lake/open-lake.ts';
import type { CheckSummary, RunRecord } from '../../src/lib/pipeline/run-record.ts';
import { type PipelinesDir, smallPipeline, writePipelinesDir } from '../helpers/test-pipelines.ts';

/**
 * The quality and quarantine metrics, from run records written to a temporary lake by hand: the values
 * below are computed from those records, not read back from the code.
 */

const silent = pino({ level: 'silent' });
const ref = (key: string, rows: number) => ({ key, rows, bytes: rows * 10, sha256: 'x' });

/** A run of `p1` (sources `a`, `b` ingested), checked with `suite` on the dataset in its report key. */
function record(
  runId: string,
  endedAt: string,
  fields: {
    suite?: string;
    dataset?: string;
    checks?: CheckSummary[];
    warnings?: string[];
    quarantined?: Record<string, number>;
  },
): RunRecord {
  const [pipeline = '', date = ''] = runId.split(/-(?=\d{4}-)/);
  const suite = fields.suite ?? 's';
  const ingest = (source: string) => ({
    name: `ingest_${source}`,
    queue: 'ingest' as const,
    jobId: `${runId}-ingest-${source}`,
    required: true,
    status: 'success',
    attempts: 1,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    result: { source, landing: ref(`l-${source}`, 10), metaKey: 'm', columns: [], warnings: [] },
  });
  return {
    runId,
    pipeline,
    date: date.slice(0, 10),
    suite,
    status: fields.checks?.some((check) => check.outcome === 'error') ? 'partial' : 'success',
    enqueuedAt: null,
    endedAt,
    durationMs: 1000,
    steps: [ingest('a'), ingest('b')],
    errors: [],
    quality: {
      passed: true,
      overallScore: 1,
      failedChecks: [],
      ...(fields.warnings ? { warnings: fields.warnings } : {}),
      ...(fields.checks ? { checks: fields.checks } : {}),
      reportKey: lakeKeys.qualityReport(pipeline, fields.dataset ?? 'out', date.slice(0, 10), runId),
    },
    ...(fields.quarantined ? { quarantined: fields.quarantined } : {}),
    datasets: {},
    lineage: { inputs: [], outputs: [] },
  };
}

const check = (name: string, outcome: CheckSummary['outcome'], failingRows: number | null): CheckSummary => ({
  name,
  outcome,
  score: 1,
  failingRows,
});

/** The value of `name{labels…}` in the text (labels as prom-client writes them: sorted as declared). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('quality and quarantine metrics from the run records', () => {
  let dir: string;
  let lake: DataLake;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-metrics-quality-'));
    lake = await openLake(loadConfig({ LAKE_URL: dir, LOG_LEVEL: 'silent' }));
  });
  afterEach(async () => {
    await lake.storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  const write = (value: RunRecord) => lake.writeJson(lakeKeys.run(value.pipeline, value.runId), value);
  async function scrape(pipelines: string[], definitions?: PipelineRegistry): Promise<string> {
    const registry = new Registry();
    const cache = new RunRecordCache({
      lake,
      runs: new RunStore(lake, pipelines, silent),
      logger: silent,
      listIntervalMs: 0,
      ...(definitions ? { definitions } : {}),
    });
    registerQualityMetrics(registry, cache);
    return registry.metrics();
  }

  it("the latest run's checks per suite: one outcome 1, the others 0; failing rows; warnings", async () => {
    // Suite s: an older run (everything passed) and the latest (one warn, one error).
    await write(
      record('p1-2024-01-01', '2024-01-02T02:00:00.000Z', {
        checks: [check('Complete: x', 'pass', 0), check('Range: y', 'pass', 0)],
        warnings: [],
      }),
    );
    await write(
      record('p1-2024-01-02', '2024-01-03T02:00:00.000Z', {
        checks: [
          check('Complete: x', 'warn', 3),
          check('Range: y', 'error', 40),
          check('Custom', 'error', null),
        ],
        warnings: ['Complete: x'],
      }),
    );
    // A later run written before checks were recorded: neither counts nor hides the one before it.
    await write(record('p1-2024-01-03', '2024-01-04T02:00:00.000Z', {}));
    // Suite t, on another dataset: its own latest run.
    await write(
      record('p1-2024-01-01-rt', '2024-01-02T05:00:00.000Z', {
        suite: 't',
        dataset: 'agg',
        checks: [check('Unique: k', 'pass', 0)],
        warnings: [],
      }),
    );
    const text = await scrape(['p1']);
    const outcome = (suite: string, dataset: string, name: string, value: string) =>
      sample(
        text,
        `lakeflow_quality_check_outcome{pipeline="p1",suite="${suite}",dataset="${dataset}",check="${name}",outcome="${value}"}`,
      );
    expect(['pass', 'warn', 'error'].map((value) => outcome('s', 'out', 'Complete: x', value))).toEqual([
      0, 1, 0,
    ]);
    expect(['pass', 'warn', 'error'].map((value) => outcome('s', 'out', 'Range: y', value))).toEqual([
      0, 0, 1,
    ]);
    expect(['pass', 'warn', 'error'].map((value) => outcome('s', 'out', 'Custom', value))).toEqual([0, 0, 1]);
    expect(['pass', 'warn', 'error'].map((value) => outcome('t', 'agg', 'Unique: k', value))).toEqual([
      1, 0, 0,
    ]);
    const failing = (name: string) =>
      sample(
        text,
        `lakeflow_quality_check_failing_rows{pipeline="p1",suite="s",dataset="out",check="${name}"}`,
      );
    expect([failing('Complete: x'), failing('Range: y'), failing('Custom')]).toEqual([3, 40, undefined]);
    expect(sample(text, 'lakeflow_quality_warnings{pipeline="p1",suite="s",dataset="out"}')).toBe(1);
    expect(sample(text, 'lakeflow_quality_warnings{pipeline="p1",suite="t",dataset="agg"}')).toBe(0);
    // 4 series of suite s's 3 checks and t's 1, times 3 outcomes.
    expect(
      text.split('\n').filter((line) => line.startsWith('lakeflow_quality_check_outcome{')),
    ).toHaveLength(12);
  });

  it("quarantined rows: the latest run's per source it ingested, and the total over runs", async () => {
    await write(record('p1-2024-01-01', '2024-01-02T02:00:00.000Z', { quarantined: { a: 4, b: 1 } }));
    await write(record('p1-2024-01-02', '2024-01-03T02:00:00.000Z', { quarantined: { a: 2 } }));
    // Older record: no quarantine field, later end. Left out of both.
    await write(record('p1-2024-01-03', '2024-01-04T02:00:00.000Z', {}));
    await write(record('p2-2024-01-01', '2024-01-02T02:00:00.000Z', { quarantined: {} }));
    const text = await scrape(['p1', 'p2']);
    expect(sample(text, 'lakeflow_quarantined_rows{pipeline="p1",source="a"}')).toBe(2);
    expect(sample(text, 'lakeflow_quarantined_rows{pipeline="p1",source="b"}')).toBe(0);
    expect(sample(text, 'lakeflow_quarantined_rows{pipeline="p2",source="a"}')).toBe(0);
    expect(sample(text, 'lakeflow_quarantined_rows_total{pipeline="p1",source="a"}')).toBe(6);
    expect(sample(text, 'lakeflow_quarantined_rows_total{pipeline="p1",source="b"}')).toBe(1);
    expect(sample(text, 'lakeflow_quarantined_rows_total{pipeline="p2",source="b"}')).toBe(0);
  });

  it("the dataset label comes from the suite in the pipeline's definition, else from the report key", async () => {
    let pipelines: PipelinesDir | undefined;
    try {
      // smallPipeline's suites `basic` and `strict` check `by_device`.
      pipelines = await writePipelinesDir({ tiny: smallPipeline('tiny', 1) });
      const definitions = await loadPipelines(pipelines.dir);
      const checks = [check('Complete: device', 'pass', 0)];
      await write(
        record('tiny-2024-01-01', '2024-01-02T02:00:00.000Z', { suite: 'basic', dataset: 'x', checks }),
      );
      // A suite the definition no longer has: the report key says what was checked.
      await write(
        record('tiny-2024-01-02', '2024-01-03T02:00:00.000Z', { suite: 'gone', dataset: 'old', checks }),
      );
      const text = await scrape(['tiny'], definitions);
      expect(
        sample(text, 'lakeflow_quality_warnings{pipeline="tiny",suite="basic",dataset="by_device"}'),
      ).toBe(0);
      expect(sample(text, 'lakeflow_quality_warnings{pipeline="tiny",suite="gone",dataset="old"}')).toBe(0);
      const without = await scrape(['tiny']);
      expect(sample(without, 'lakeflow_quality_warnings{pipeline="tiny",suite="basic",dataset="x"}')).toBe(0);
    } finally {
      await pipelines?.cleanup();
    }
  });
});
