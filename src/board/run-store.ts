import { errorMessage, PipelineError } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import { lakeKeys } from '../lib/lake/keys.ts';
import type { Logger } from '../lib/logger.ts';
import { type RunStatus, runStatusSchema } from '../lib/pipeline/jobs.ts';
import { parseRunId } from '../lib/pipeline/lifecycle.ts';
import { type RunRecord, readRunRecord } from '../lib/pipeline/run-record.ts';

/** Which runs to list; every field optional, all given fields must match. */
export interface RunFilter {
  status?: RunStatus;
  /** Partition date `YYYY-MM-DD`. */
  date?: string;
  pipeline?: string;
}

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
}

/**
 * Reads run records from the lake (`<pipeline>/runs/<runId>.json`) of the pipelines it is given. The
 * lake is the only source: the board keeps no database, so every listing sees what workers wrote,
 * including runs of other boards and hosts.
 */
export class RunStore {
  private readonly readConcurrency: number;
  private readonly countTtlMs: number;
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
  return filter.date === undefined || parsed.date === filter.date;
}

function matches(record: RunRecord, filter: RunFilter): boolean {
  return (
    (filter.status === undefined || record.status === filter.status) &&
    (filter.date === undefined || record.date === filter.date) &&
    (filter.pipeline === undefined || record.pipeline === filter.pipeline)
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
