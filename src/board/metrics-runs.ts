import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { errorMessage, PipelineError } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import { lakeKeys } from '../lib/lake/keys.ts';
import type { Logger } from '../lib/logger.ts';
import { type RunStatus, runStatusSchema } from '../lib/pipeline/jobs.ts';
import { parseRunId } from '../lib/pipeline/lifecycle.ts';
import type { RunRecord } from '../lib/pipeline/run-record.ts';
import type { RunStore } from './run-store.ts';

/** Run durations (enqueue to end, queue wait included) run from seconds to hours. */
const RUN_DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200];
/** Records read at once when many are new (the board's first scrape); bounds open files / S3 requests. */
const READ_CONCURRENCY = 16;

/** BullMQ's reason for a parent it fails because a child failed (`failParentOnFailure`). */
const PARENT_FAILURE = /^child \S+ failed$/;

/**
 * Whether a job's failure reason is BullMQ failing a parent because one of its children failed: the
 * failure was counted at the child, its cause.
 */
export function isParentFailure(reason: string | undefined | null): boolean {
  return typeof reason === 'string' && PARENT_FAILURE.test(reason);
}

/** What the metrics keep of one run record (not the record: a board may hold thousands). */
export interface RunMetricsSummary {
  pipeline: string;
  status: RunStatus;
  /** Epoch ms; undefined when the record has no parseable end. */
  endedAt: number | undefined;
  durationSeconds: number | undefined;
  suite: string | null;
  /** The quality report's overall score (0–1), when the quality step produced one. */
  score: number | undefined;
  /** Rows landed per source by the run's successful ingestions. */
  rowsIn: Record<string, number>;
  /** Rows written per dataset by the run's transform. */
  rowsOut: Record<string, number>;
  /** The steps that failed of their own cause (a parent failed by BullMQ for its child is left out). */
  failedSteps: string[];
}

/** The summary of a run record, read defensively: records are JSON written by any release. */
export function summarize(record: RunRecord): RunMetricsSummary {
  const endedAt = typeof record.endedAt === 'string' ? Date.parse(record.endedAt) : Number.NaN;
  const rowsIn: Record<string, number> = {};
  const failedSteps: string[] = [];
  for (const step of Array.isArray(record.steps) ? record.steps : []) {
    if (step.status === 'failed' && !isParentFailure(step.error)) failedSteps.push(step.name);
    if (step.queue !== 'ingest' || step.status !== 'success') continue;
    const result = step.result as { source?: unknown; landing?: { rows?: unknown } } | undefined;
    const rows = result?.landing?.rows;
    const source = typeof result?.source === 'string' ? result.source : step.name.replace(/^ingest_/, '');
    if (typeof rows === 'number') rowsIn[source] = (rowsIn[source] ?? 0) + rows;
  }
  const rowsOut: Record<string, number> = {};
  for (const [dataset, ref] of Object.entries(record.datasets ?? {})) {
    if (typeof ref?.rows === 'number') rowsOut[dataset] = ref.rows;
  }
  const score = record.quality?.overallScore;
  return {
    pipeline: record.pipeline,
    status: record.status,
    endedAt: Number.isFinite(endedAt) ? endedAt : undefined,
    durationSeconds: typeof record.durationMs === 'number' ? record.durationMs / 1000 : undefined,
    suite: typeof record.suite === 'string' ? record.suite : null,
    score: typeof score === 'number' && Number.isFinite(score) ? score : undefined,
    rowsIn,
    rowsOut,
    failedSteps,
  };
}

/** Options of {@link RunRecordCache}. */
export interface RunRecordCacheOptions {
  lake: DataLake;
  /** Reads records (and knows the loaded pipelines, whose runs are counted). */
  runs: RunStore;
  logger: Logger;
  /** How long a listing of the runs' keys is reused. Default 10 000 ms; 0 lists on every scrape. */
  listIntervalMs?: number;
}

/**
 * The run records of the loaded pipelines, summarised and cached by key. A refresh lists each
 * pipeline's `runs/` (at most every `listIntervalMs`) and reads only keys it has not read yet, plus
 * the runs marked changed ({@link markChanged}: the board's queue events say when a run ended). The
 * first refresh reads every record, so what the metrics say survives a restart of the board.
 */
export class RunRecordCache {
  private readonly summaries = new Map<string, RunMetricsSummary | null>();
  private readonly changed = new Set<string>();
  private listedAt: number | undefined;
  private refreshing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** Bumped whenever a summary is added, replaced or removed. */
  version = 0;

  constructor(private readonly options: RunRecordCacheOptions) {}

  /** The pipelines whose runs are counted. */
  get pipelines(): readonly string[] {
    return this.options.runs.pipelines;
  }

  /** Marks a run's record to be read again at the next refresh (it was written or rewritten). */
  markChanged(runId: string): void {
    const parsed = parseRunId(runId);
    if (parsed && this.pipelines.includes(parsed.pipeline))
      this.changed.add(lakeKeys.run(parsed.pipeline, runId));
  }

  /** The current summaries (after a refresh). */
  values(): IterableIterator<RunMetricsSummary | null> {
    return this.summaries.values();
  }

  /**
   * Brings the cache up to date; concurrent callers (one scrape's metrics) share one refresh. A run
   * marked changed while a refresh is under way is read by another one right after it.
   */
  refresh(now = Date.now()): Promise<void> {
    if (this.refreshing) {
      if (this.changed.size === 0) return this.refreshing;
      this.queued ??= this.refreshing
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.refresh(now);
        });
      return this.queued;
    }
    const refreshing = this.doRefresh(now).finally(() => {
      if (this.refreshing === refreshing) this.refreshing = undefined;
    });
    this.refreshing = refreshing;
    return refreshing;
  }

  /** Resolves once no refresh is under way (failed or not). */
  async settled(): Promise<void> {
    await this.refreshing?.catch(() => undefined);
    await this.queued?.catch(() => undefined);
  }

  private async doRefresh(now: number): Promise<void> {
    const interval = this.options.listIntervalMs ?? 10_000;
    const toRead = new Set(this.changed);
    this.changed.clear();
    if (this.listedAt === undefined || now - this.listedAt >= interval) {
      const listed = await Promise.all(
        this.pipelines.map((pipeline) => this.options.lake.storage.list(lakeKeys.runsPrefix(pipeline))),
      );
      const keys = new Set(listed.flat().filter(isRecordKey));
      for (const key of this.summaries.keys()) {
        if (!keys.has(key)) {
          this.summaries.delete(key);
          this.version++;
        }
      }
      for (const key of keys) if (!this.summaries.has(key)) toRead.add(key);
      this.listedAt = now;
    }
    const pending = [...toRead];
    const lane = async () => {
      for (let key = pending.pop(); key !== undefined; key = pending.pop()) await this.read(key);
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, pending.length) }, lane));
  }

  private async read(key: string): Promise<void> {
    const runId = key.slice(key.lastIndexOf('/') + 1, -'.json'.length);
    try {
      const record = await this.options.runs.get(runId);
      if (record === undefined) {
        if (this.summaries.delete(key)) this.version++;
        return;
      }
      const valid = typeof record.pipeline === 'string' && runStatusSchema.safeParse(record.status).success;
      if (!valid) this.options.logger.warn({ key }, 'not a run record; left out of the metrics');
      this.summaries.set(key, valid ? summarize(record) : null);
      this.version++;
    } catch (error) {
      this.options.logger.warn({ key, err: errorMessage(error) }, 'run record unreadable for the metrics');
      // Not JSON: left out until it is rewritten. Unreadable now (an S3 hiccup): what was there stays,
      // and a key never read is tried again at the next scrape.
      if (error instanceof PipelineError && error.code === 'MALFORMED_JSON') {
        this.summaries.set(key, null);
        this.version++;
      } else if (!this.summaries.has(key)) this.changed.add(key);
    }
  }
}

function isRecordKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.endsWith('.json') && parseRunId(name.slice(0, -'.json'.length)) !== undefined;
}

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
