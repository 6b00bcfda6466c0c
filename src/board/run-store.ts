import type { Job } from 'bullmq';
import { errorMessage, PipelineError } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import { lakeKeys } from '../lib/lake/keys.ts';
import type { Logger } from '../lib/logger.ts';
import { type QualityPayload, type RunStatus, runStatusSchema } from '../lib/pipeline/jobs.ts';
import { parseRunId, planSteps, readRootJob, rootJobId } from '../lib/pipeline/lifecycle.ts';
import type { PipelineQueues } from '../lib/pipeline/queues.ts';
import { iso, type RunRecord, readRunRecord, readStep } from '../lib/pipeline/run-record.ts';

/** Which runs to list; every field optional, all given fields must match. */
export interface RunFilter {
  status?: RunStatus;
  /** Partition date `YYYY-MM-DD`. */
  date?: string;
  /** First partition date of a range, inclusive. */
  from?: string;
  /** Last partition date of a range, inclusive. */
  to?: string;
  pipeline?: string;
}

/** A run's status in a listing: how it ended, or `running` while its root job has not finished. */
export type ListedStatus = RunStatus | 'running';

/** Which runs {@link RunStore.runs} lists: like {@link RunFilter}, and `running` selects runs in progress. */
export type RunQuery = Omit<RunFilter, 'status'> & { status?: ListedStatus };

/** Which run of its date the date's outputs reflect. */
export interface Latest {
  /**
   * True for the run whose datasets the date's partitions hold: of the date's ended runs whose transform
   * succeeded, the one whose transform ended last (a run that failed earlier changed no dataset).
   */
  latest: boolean;
  /** For an earlier run whose datasets were since replaced, the latest run; otherwise `null`. */
  supersededBy: string | null;
}

/**
 * A run as the API shows it: its record once it has ended; while it runs, what BullMQ knows so far
 * (status `running`, its steps' states, no end), built from the same plan as the record.
 */
export type RunView = Omit<RunRecord, 'status' | 'endedAt'> & {
  status: ListedStatus;
  endedAt: string | null;
} & Latest;

/** A run found by {@link RunStore.runs}: enough to sort, filter and page; {@link RunStore.view} reads the rest. */
export interface ListedRun extends Latest {
  runId: string;
  pipeline: string;
  date: string;
  status: ListedStatus;
  enqueuedAt: string | null;
  endedAt: string | null;
  /** The record of an ended run. */
  record?: RunRecord;
  /** The root job of a run in progress. */
  root?: Job<QualityPayload>;
}

/** Root-job states of a run in progress (`completed` and `failed` end it). */
const UNFINISHED = ['active', 'waiting', 'waiting-children', 'delayed', 'prioritized', 'paused'] as const;

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
  private readonly queues: PipelineQueues | undefined;
  private counted: { at: number; counts: Promise<PipelineRunCounts> } | undefined;

  constructor(
    private readonly lake: DataLake,
    /** The pipelines whose runs are listed (the loaded ones). */
    readonly pipelines: readonly string[],
    private readonly logger: Logger,
    options: RunStoreOptions = {},
  ) {
    this.readConcurrency = options.readConcurrency ?? 16;
    this.countTtlMs = options.countTtlMs ?? 10_000;
    this.queues = options.queues;
  }

  /**
   * One run's record (of any pipeline, loaded or not), or `undefined` when there is none (the run has
   * not ended, or never existed, or its id is not one a run can have).
   */
  async get(runId: string): Promise<RunRecord | undefined> {
    if (!parseRunId(runId)) return undefined;
    try {
      return await readRunRecord(this.lake, runId);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A JSON document of the lake (a quality report), or `undefined` when the object is missing. */
  async readDocument(key: string): Promise<unknown> {
    try {
      return await this.lake.readJson(key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * The runs matching `filter` across the pipelines (or of `filter.pipeline`), newest first (by
   * `endedAt`, then run id). A record that cannot be read or parsed is left out and logged, so one
   * damaged file does not take the whole listing down.
   */
  async list(filter: RunFilter = {}): Promise<RunRecord[]> {
    const pipelines = filter.pipeline !== undefined ? [filter.pipeline] : this.pipelines;
    const listed = await Promise.all(
      pipelines.map((pipeline) => this.lake.storage.list(lakeKeys.runsPrefix(pipeline))),
    );
    const keys = listed.flatMap((pipelineKeys, i) =>
      pipelineKeys.filter((key) => mayMatch(key, pipelines[i] as string, filter)),
    );
    const records = await mapLimited(keys, this.readConcurrency, (key) => this.readKey(key));
    return records
      .filter((record): record is RunRecord => record !== undefined && matches(record, filter))
      .sort((a, b) => compare(b.endedAt ?? '', a.endedAt ?? '') || compare(a.runId ?? '', b.runId ?? ''));
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
      status === undefined || status === 'running' ? this.inProgress(where) : Promise.resolve([]),
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
      listed.push({
        runId: root.data.runId,
        pipeline: root.data.pipeline,
        date: root.data.date,
        status: 'running',
        enqueuedAt: iso(root.timestamp),
        endedAt: null,
        root,
        ...NOT_LATEST,
      });
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
    const root = run.root as Job<QualityPayload>;
    const queues = this.queues as PipelineQueues;
    const steps = await Promise.all(planSteps(root.data).map((plan) => readStep(queues, plan)));
    return {
      runId: run.runId,
      pipeline: run.pipeline,
      date: run.date,
      suite: root.data.suite ?? null,
      status: 'running',
      enqueuedAt: run.enqueuedAt,
      endedAt: null,
      durationMs: null,
      steps,
      errors: steps.flatMap((step) => (step.error ? [`${step.name}: ${step.error}`] : [])),
      quality: null,
      datasets: {},
      lineage: { inputs: [], outputs: [] },
      ...latest,
    };
  }

  /**
   * One run (of any pipeline, loaded or not) as the API shows it: its record marked latest or not
   * among its date's runs, or, while it runs, its steps so far. `undefined` when there is neither.
   */
  async getView(runId: string): Promise<RunView | undefined> {
    const parts = parseRunId(runId);
    if (!parts) return undefined;
    const [record, root] = await Promise.all([this.get(runId), this.rootOf(runId)]);
    if (root && (!record || Date.parse(record.endedAt) < root.timestamp)) {
      return this.view({
        runId,
        pipeline: root.data.pipeline,
        date: root.data.date,
        status: 'running',
        enqueuedAt: iso(root.timestamp),
        endedAt: null,
        root,
        ...NOT_LATEST,
      });
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

  /** The root job of a run not finished, or `undefined` (finished, unknown, or no queues). */
  private async rootOf(runId: string): Promise<Job<QualityPayload> | undefined> {
    if (!this.queues) return undefined;
    const root = await readRootJob(this.queues, runId);
    if (!root || !isRootLike(root)) return undefined;
    const state = await root.getState();
    return (UNFINISHED as readonly string[]).includes(state) ? root : undefined;
  }

  /** Root jobs not finished of the listed pipelines (or `filter.pipeline`'s) within the filter's dates. */
  private async inProgress(filter: Omit<RunFilter, 'status'>): Promise<Job<QualityPayload>[]> {
    if (!this.queues) return [];
    const pipelines = new Set(filter.pipeline !== undefined ? [filter.pipeline] : this.pipelines);
    const jobs = await this.queues.quality.getJobs([...UNFINISHED]);
    const seen = new Set<string>();
    return jobs.filter((job): job is Job<QualityPayload> => {
      if (!job || !isRootLike(job) || seen.has(job.data.runId)) return false;
      seen.add(job.data.runId);
      return pipelines.has(job.data.pipeline) && inDates(job.data.date, filter);
    });
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

  private async readKey(key: string): Promise<RunRecord | undefined> {
    try {
      const record = await this.lake.readJson<RunRecord>(key);
      if (!isRunRecordLike(record)) {
        this.logger.warn({ key }, 'not a run record; left out of the listing');
        return undefined;
      }
      return record;
    } catch (error) {
      // Deleted between list and read: simply gone. Anything else is worth a warning.
      if (!isNotFound(error)) this.logger.warn({ key, err: errorMessage(error) }, 'unreadable run record');
      return undefined;
    }
  }
}

/**
 * Whether a key under a pipeline's runs prefix may hold a record matching `filter`: the run id in the
 * name (see `parseRunId`) lets a filtered listing skip reading records that cannot match. Records are
 * still checked field by field after reading; this is only a shortcut.
 */
function mayMatch(key: string, pipeline: string, filter: RunFilter): boolean {
  const name = key.slice(lakeKeys.runsPrefix(pipeline).length);
  if (!name.endsWith('.json') || name.includes('/')) return false;
  const parsed = parseRunId(name.slice(0, -'.json'.length));
  if (!parsed) return true; // an id of another shape: read it and decide on its fields
  return inDates(parsed.date, filter);
}

/** Whether a partition date is within the filter's `date`, `from` and `to` (all inclusive). */
function inDates(date: string, filter: Omit<RunFilter, 'status'>): boolean {
  return (
    (filter.date === undefined || date === filter.date) &&
    (filter.from === undefined || date >= filter.from) &&
    (filter.to === undefined || date <= filter.to)
  );
}

function matches(record: RunRecord, filter: RunFilter): boolean {
  return (
    (filter.status === undefined || record.status === filter.status) &&
    typeof record.date === 'string' &&
    inDates(record.date, filter) &&
    (filter.pipeline === undefined || record.pipeline === filter.pipeline)
  );
}

/**
 * Marks, per (pipeline, date), the run whose datasets the date holds and the runs it superseded (see
 * {@link Latest}). Records of a date must all be given for the answer to be right.
 */
export function latestByDate(records: readonly RunRecord[]): Map<string, Latest> {
  const wroteAt = (record: RunRecord): string | undefined => {
    const transform = (record.steps ?? []).find((step) => step.queue === 'transform');
    return transform?.status === 'success' ? (transform.endedAt ?? record.endedAt ?? '') : undefined;
  };
  const newest = new Map<string, { runId: string; at: string }>();
  for (const record of records) {
    const at = wroteAt(record);
    if (at === undefined) continue;
    const group = `${record.pipeline}/${record.date}`;
    const best = newest.get(group);
    if (!best || at > best.at || (at === best.at && record.runId > best.runId))
      newest.set(group, { runId: record.runId, at });
  }
  const result = new Map<string, Latest>();
  for (const record of records) {
    const best = newest.get(`${record.pipeline}/${record.date}`);
    const wrote = wroteAt(record) !== undefined;
    result.set(record.runId, {
      latest: best?.runId === record.runId,
      supersededBy: wrote && best && best.runId !== record.runId ? best.runId : null,
    });
  }
  return result;
}

const NOT_LATEST: Latest = { latest: false, supersededBy: null };

/**
 * The order of a listing: runs in progress first (newest enqueued first), then ended runs (newest
 * ended first); ties by run id. Also the order cursors page in.
 */
export function compareListed(
  a: Pick<ListedRun, 'status' | 'enqueuedAt' | 'endedAt' | 'runId'>,
  b: Pick<ListedRun, 'status' | 'enqueuedAt' | 'endedAt' | 'runId'>,
): number {
  const [ra, rb] = [sortKey(a), sortKey(b)];
  return ra.rank - rb.rank || compare(rb.at, ra.at) || compare(ra.runId, rb.runId);
}

/** Where a run sorts: rank 0 running, 1 ended; `at` descending; then run id ascending. */
export function sortKey(run: Pick<ListedRun, 'status' | 'enqueuedAt' | 'endedAt' | 'runId'>): {
  rank: number;
  at: string;
  runId: string;
} {
  return run.status === 'running'
    ? { rank: 0, at: run.enqueuedAt ?? '', runId: run.runId }
    : { rank: 1, at: run.endedAt ?? '', runId: run.runId };
}

/** A root job whose payload names its run (a job added by hand with another payload is not a run). */
function isRootLike(job: Job): job is Job<QualityPayload> {
  const data = job.data as Partial<QualityPayload> | undefined;
  return (
    typeof data?.runId === 'string' &&
    typeof data.pipeline === 'string' &&
    typeof data.date === 'string' &&
    Array.isArray(data.sources) &&
    job.id === rootJobId(data.runId)
  );
}

function isRunRecordLike(value: unknown): value is RunRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<RunRecord>;
  return typeof record.runId === 'string' && runStatusSchema.safeParse(record.status).success;
}

/** True for a lake error that means "no such object". */
export function isNotFound(error: unknown): boolean {
  return error instanceof PipelineError && error.code === 'NOT_FOUND';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
