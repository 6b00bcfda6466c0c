import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type RunStatus, runStatusSchema } from '../lib/pipeline/jobs.ts';
import type { RunRecordCache } from './run-record-cache.ts';

/** Run durations (enqueue to end, queue wait included) run from seconds to hours. */
const RUN_DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200];
/** The run metrics, aggregated from a cache's summaries. */
interface RunAggregate {
  runs: Map<string, { pipeline: string; status: RunStatus; count: number }>;
  lastEnded: Map<string, { pipeline: string; status: RunStatus; at: number }>;
  durations: { pipeline: string; status: RunStatus; seconds: number }[];
  rowsIn: Map<string, { pipeline: string; source: string; rows: number }>;
  rowsOut: Map<string, { pipeline: string; dataset: string; rows: number }>;
  stepFailures: Map<string, { pipeline: string; step: string; count: number }>;
  /** Per pipeline and suite: the latest and the one before (by end time). */
  scores: Map<string, { pipeline: string; suite: string; latest: Scored; previous: Scored | undefined }>;
}

interface Scored {
  at: number;
  score: number;
}

function aggregate(cache: RunRecordCache): RunAggregate {
  const result: RunAggregate = {
    runs: new Map(),
    lastEnded: new Map(),
    durations: [],
    rowsIn: new Map(),
    rowsOut: new Map(),
    stepFailures: new Map(),
    scores: new Map(),
  };
  // Every loaded pipeline has its run series from the first scrape, so alerts see 0, not nothing.
  for (const pipeline of cache.pipelines) {
    for (const status of runStatusSchema.options) {
      result.runs.set(`${pipeline}\0${status}`, { pipeline, status, count: 0 });
      result.lastEnded.set(`${pipeline}\0${status}`, { pipeline, status, at: 0 });
    }
  }
  for (const run of cache.values()) {
    if (!run) continue;
    const { pipeline, status } = run;
    const byStatus = `${pipeline}\0${status}`;
    const counted = result.runs.get(byStatus) ?? { pipeline, status, count: 0 };
    counted.count += 1;
    result.runs.set(byStatus, counted);
    if (run.endedAt !== undefined) {
      const last = result.lastEnded.get(byStatus);
      if (!last || last.at < run.endedAt)
        result.lastEnded.set(byStatus, { pipeline, status, at: run.endedAt });
    }
    if (run.durationSeconds !== undefined)
      result.durations.push({ pipeline, status, seconds: run.durationSeconds });
    for (const [source, rows] of Object.entries(run.rowsIn)) {
      const key = `${pipeline}\0${source}`;
      const sum = result.rowsIn.get(key) ?? { pipeline, source, rows: 0 };
      sum.rows += rows;
      result.rowsIn.set(key, sum);
    }
    for (const [dataset, rows] of Object.entries(run.rowsOut)) {
      const key = `${pipeline}\0${dataset}`;
      const sum = result.rowsOut.get(key) ?? { pipeline, dataset, rows: 0 };
      sum.rows += rows;
      result.rowsOut.set(key, sum);
    }
    for (const step of run.failedSteps) {
      const key = `${pipeline}\0${step}`;
      const failures = result.stepFailures.get(key) ?? { pipeline, step, count: 0 };
      failures.count += 1;
      result.stepFailures.set(key, failures);
    }
    if (run.score !== undefined && run.suite !== null && run.endedAt !== undefined) {
      const key = `${pipeline}\0${run.suite}`;
      const scored: Scored = { at: run.endedAt, score: run.score };
      const entry = result.scores.get(key);
      if (!entry) result.scores.set(key, { pipeline, suite: run.suite, latest: scored, previous: undefined });
      else if (scored.at > entry.latest.at) {
        entry.previous = entry.latest;
        entry.latest = scored;
      } else if (!entry.previous || scored.at > entry.previous.at) entry.previous = scored;
    }
  }
  return result;
}

/**
 * Registers the per-pipeline run metrics, computed at each scrape from the run records in the lake
 * (through `cache`), so they are the same after a restart of the board and on every board:
 * - `lakeflow_runs_total{pipeline,status}` and `lakeflow_runs{pipeline,status}`: runs ended;
 * - `lakeflow_last_run_timestamp_seconds{pipeline,status}`: when the latest run of each status ended;
 * - `lakeflow_run_duration_seconds{pipeline,status}`: enqueue to end of each run;
 * - `lakeflow_rows_ingested_total{pipeline,source}`, `lakeflow_rows_written_total{pipeline,dataset}`;
 * - `lakeflow_run_step_failures_total{pipeline,step}`: steps that failed of their own cause;
 * - `lakeflow_quality_score{pipeline,suite}`, `lakeflow_quality_previous_score{pipeline,suite}`.
 */
export function registerRunMetrics(registry: Registry, cache: RunRecordCache): void {
  let computed: { version: number; value: RunAggregate } | undefined;
  const current = async (): Promise<RunAggregate> => {
    await cache.refresh();
    if (computed?.version !== cache.version) computed = { version: cache.version, value: aggregate(cache) };
    return computed.value;
  };
  const registers = [registry];

  new Counter({
    name: 'lakeflow_runs_total',
    help: 'Runs ended, per pipeline and run status (success, partial, failed): the run records in the lake.',
    labelNames: ['pipeline', 'status'],
    registers,
    async collect() {
      const { runs } = await current();
      this.reset();
      for (const { pipeline, status, count } of runs.values()) this.inc({ pipeline, status }, count);
    },
  });
  new Gauge({
    name: 'lakeflow_runs',
    help: 'Run records in the lake by pipeline and run status (the value of lakeflow_runs_total, as a gauge).',
    labelNames: ['pipeline', 'status'],
    registers,
    async collect() {
      const { runs } = await current();
      this.reset();
      for (const { pipeline, status, count } of runs.values()) this.set({ pipeline, status }, count);
    },
  });
  new Gauge({
    name: 'lakeflow_last_run_timestamp_seconds',
    help: 'When the latest run of the pipeline with this status ended (unix seconds; 0: never).',
    labelNames: ['pipeline', 'status'],
    registers,
    async collect() {
      const { lastEnded } = await current();
      this.reset();
      for (const { pipeline, status, at } of lastEnded.values()) this.set({ pipeline, status }, at / 1000);
    },
  });
  new Histogram({
    name: 'lakeflow_run_duration_seconds',
    help: 'Run durations, from enqueue to the run record (queue wait included), per pipeline and status.',
    labelNames: ['pipeline', 'status'],
    buckets: RUN_DURATION_BUCKETS,
    registers,
    async collect() {
      const { durations } = await current();
      this.reset();
      for (const { pipeline, status, seconds } of durations) this.observe({ pipeline, status }, seconds);
    },
  });
  new Counter({
    name: 'lakeflow_rows_ingested_total',
    help: "Rows landed per pipeline and source by the runs' successful ingestions.",
    labelNames: ['pipeline', 'source'],
    registers,
    async collect() {
      const { rowsIn } = await current();
      this.reset();
      for (const { pipeline, source, rows } of rowsIn.values()) this.inc({ pipeline, source }, rows);
    },
  });
  new Counter({
    name: 'lakeflow_rows_written_total',
    help: "Rows written per pipeline and dataset by the runs' transforms.",
    labelNames: ['pipeline', 'dataset'],
    registers,
    async collect() {
      const { rowsOut } = await current();
      this.reset();
      for (const { pipeline, dataset, rows } of rowsOut.values()) this.inc({ pipeline, dataset }, rows);
    },
  });
  new Counter({
    name: 'lakeflow_run_step_failures_total',
    help: 'Run steps that failed of their own cause, per pipeline and step (a parent failed for its child is not counted).',
    labelNames: ['pipeline', 'step'],
    registers,
    async collect() {
      const { stepFailures } = await current();
      this.reset();
      for (const { pipeline, step, count } of stepFailures.values()) this.inc({ pipeline, step }, count);
    },
  });
  new Gauge({
    name: 'lakeflow_quality_score',
    help: "The overall quality score (0-1) of the pipeline's latest run checked with this suite.",
    labelNames: ['pipeline', 'suite'],
    registers,
    async collect() {
      const { scores } = await current();
      this.reset();
      for (const { pipeline, suite, latest } of scores.values()) this.set({ pipeline, suite }, latest.score);
    },
  });
  new Gauge({
    name: 'lakeflow_quality_previous_score',
    help: 'The overall quality score of the run checked with this suite before the latest one.',
    labelNames: ['pipeline', 'suite'],
    registers,
    async collect() {
      const { scores } = await current();
      this.reset();
      for (const { pipeline, suite, previous } of scores.values()) {
        if (previous) this.set({ pipeline, suite }, previous.score);
      }
    },
  });
}
