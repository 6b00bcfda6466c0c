import type { DataLake } from '../lib/lake/data-lake.ts';
import type { Logger } from '../lib/logger.ts';
import { type RunStatus, runStatusSchema } from '../lib/pipeline/jobs.ts';
import { parseRunId } from '../lib/pipeline/lifecycle.ts';
import type { PipelineQueues } from '../lib/pipeline/queues.ts';
import type { RunRecord } from '../lib/pipeline/run-record.ts';
import { LiveRuns, listedLive } from './live-runs.ts';
import {
  compareListed,
  type Latest,
  type ListedRun,
  type ListedStatus,
  latestByDate,
  NOT_LATEST,
  type RunView,
} from './run-listing.ts';
import { mapLimited, type RunFilter, RunRecords } from './run-records.ts';

/** Which runs {@link RunStore.runs} lists: like {@link RunFilter}, and `running` selects runs in progress. */
export type RunQuery = Omit<RunFilter, 'status'> & { status?: ListedStatus };

/** Run count per status, every status present (zero when none). */
export type RunCounts = Record<RunStatus, number>;
/** Run counts per pipeline, every listed pipeline present. */
export type PipelineRunCounts = Record<string, RunCounts>;

/** Tuning of a {@link RunStore}; the defaults suit a few thousand runs. */
export interface RunStoreOptions {
  /** Records read at once while listing; bounds open files / S3 requests. Default 16. */
  readConcurrency?: number;
  /** How long {@link RunStore.countByStatus} reuses a count. Default 10 000 ms. */
  countTtlMs?: number;
  /** The queues runs in progress are read from; without them only ended runs are listed. */
  queues?: PipelineQueues;
}

/**
 * Reads run records from the lake (`<pipeline>/runs/<runId>.json`) of the pipelines it is given, and
 * runs in progress from BullMQ (root jobs not finished). The lake and Redis are the only sources: the
 * board keeps no database, so every listing sees what workers wrote, including runs of other boards
 * and hosts.
 */
export class RunStore {
  private readonly readConcurrency: number;
  private readonly countTtlMs: number;
  private readonly records: RunRecords;
  private readonly live: LiveRuns;
  private counted: { at: number; counts: Promise<PipelineRunCounts> } | undefined;

  constructor(
    lake: DataLake,
    /** The pipelines whose runs are listed (the loaded ones). */
    readonly pipelines: readonly string[],
    logger: Logger,
    options: RunStoreOptions = {},
  ) {
    this.readConcurrency = options.readConcurrency ?? 16;
    this.countTtlMs = options.countTtlMs ?? 10_000;
    this.records = new RunRecords(lake, pipelines, logger, this.readConcurrency);
    this.live = new LiveRuns(pipelines, options.queues);
  }

  /**
   * One run's record (of any pipeline, loaded or not), or `undefined` when there is none (the run has
   * not ended, or never existed, or its id is not one a run can have).
   */
  get(runId: string): Promise<RunRecord | undefined> {
    return this.records.get(runId);
  }

  /** A JSON document of the lake (a quality report), or `undefined` when the object is missing. */
  readDocument(key: string): Promise<unknown> {
    return this.records.readDocument(key);
  }

  /**
   * The runs matching `filter` across the pipelines (or of `filter.pipeline`), newest first (by
   * `endedAt`, then run id). A record that cannot be read or parsed is left out and logged, so one
   * damaged file does not take the whole listing down.
   */
  list(filter: RunFilter = {}): Promise<RunRecord[]> {
    return this.records.list(filter);
  }

  /**
   * Every run matching `query`, ended or in progress, in the listing's order ({@link compareListed}),
   * each marked latest or superseded among the ended runs of its date (whatever `status` asks for).
   * The steps of a run in progress are not read here: {@link view} reads them, for the runs shown.
   */
  async runs(query: RunQuery = {}): Promise<ListedRun[]> {
    const { status, ...where } = query;
    const [records, live] = await Promise.all([
      status === 'running' ? Promise.resolve([]) : this.list(where),
      status === undefined || status === 'running' ? this.live.inProgress(where) : Promise.resolve([]),
    ]);
    const latest = latestByDate(records);
    const ended = new Map(records.map((record) => [record.runId, record]));
    if (status === 'running') {
      // Records were not listed: read those of the roots found, to leave out runs that have just ended.
      const own = await mapLimited(live, this.readConcurrency, (root) => this.get(root.data.runId));
      for (const record of own) if (record) ended.set(record.runId, record);
    }
    const listed: ListedRun[] = [];
    for (const root of live) {
      const record = ended.get(root.data.runId);
      // Ended: its record is newer than its root job (a root job re-added after retention removed the
      // old one, with the same id, is a new run).
      if (record && Date.parse(record.endedAt) >= root.timestamp) continue;
      if (record) ended.delete(record.runId);
      listed.push(listedLive(root));
    }
    for (const record of ended.values()) {
      if (status !== undefined && record.status !== status) continue;
      listed.push({
        runId: record.runId,
        pipeline: record.pipeline,
        date: record.date,
        status: record.status,
        enqueuedAt: record.enqueuedAt,
        endedAt: record.endedAt,
        record,
        ...(latest.get(record.runId) ?? NOT_LATEST),
      });
    }
    return listed.sort(compareListed);
  }

  /** A listed run in full: its record, or for a run in progress its steps as BullMQ has them now. */
  async view(run: ListedRun): Promise<RunView> {
    const latest: Latest = { latest: run.latest, supersededBy: run.supersededBy };
    if (run.record) return { ...run.record, ...latest };
    return this.live.view(run);
  }

  /**
   * One run (of any pipeline, loaded or not) as the API shows it: its record marked latest or not
   * among its date's runs, or, while it runs, its steps so far. `undefined` when there is neither.
   */
  async getView(runId: string): Promise<RunView | undefined> {
    const parts = parseRunId(runId);
    if (!parts) return undefined;
    const [record, root] = await Promise.all([this.get(runId), this.live.rootOf(runId)]);
    if (root && (!record || Date.parse(record.endedAt) < root.timestamp)) {
      return this.view(listedLive(root));
    }
    if (!record) return undefined;
    const dateRuns = await this.list({ pipeline: parts.pipeline, date: parts.date });
    const latest = latestByDate(
      dateRuns.some((run) => run.runId === runId) ? dateRuns : [...dateRuns, record],
    );
    return { ...record, ...(latest.get(runId) ?? NOT_LATEST) };
  }

  /** The run whose datasets a date of a pipeline holds (see {@link Latest}), or `undefined` when none. */
  async latestOf(pipeline: string, date: string): Promise<RunView | undefined> {
    const records = await this.list({ pipeline, date });
    const latest = latestByDate(records);
    const record = records.find((candidate) => latest.get(candidate.runId)?.latest);
    return record ? { ...record, latest: true, supersededBy: null } : undefined;
  }

  /**
   * Runs per pipeline and status, reused for `countTtlMs`: Prometheus scrapes every few seconds, and
   * each count reads every record. Concurrent callers share one read.
   */
  countByStatus(now = Date.now()): Promise<PipelineRunCounts> {
    if (!this.counted || now - this.counted.at >= this.countTtlMs) {
      const counts = this.list().then((records) => {
        const zero = () =>
          Object.fromEntries(runStatusSchema.options.map((status) => [status, 0])) as RunCounts;
        const result: PipelineRunCounts = Object.fromEntries(
          this.pipelines.map((pipeline) => [pipeline, zero()]),
        );
        for (const record of records) {
          result[record.pipeline] ??= zero();
          (result[record.pipeline] as RunCounts)[record.status] += 1;
        }
        return result;
      });
      // A failed count is not cached: the next scrape tries again.
      counts.catch(() => {
        if (this.counted?.counts === counts) this.counted = undefined;
      });
      this.counted = { at: now, counts };
    }
    return this.counted.counts;
  }
}
