import { errorMessage, PipelineError } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import { lakeKeys } from '../lib/lake/keys.ts';
import type { Logger } from '../lib/logger.ts';
import { type RunStatus, runStatusSchema } from '../lib/pipeline/jobs.ts';
import { parseRunId } from '../lib/pipeline/lifecycle.ts';
import { type RunRecord, readRunRecord } from '../lib/pipeline/run-record.ts';
import { compare } from './run-listing.ts';

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

/**
 * Run records in the lake (`<pipeline>/runs/<runId>.json`) of the pipelines it is given: the runs that
 * have ended, as workers wrote them.
 */
export class RunRecords {
  constructor(
    private readonly lake: DataLake,
    private readonly pipelines: readonly string[],
    private readonly logger: Logger,
    /** Records read at once while listing. */
    private readonly readConcurrency: number,
  ) {}

  /** One run's record, or `undefined` when there is none (see `RunStore.get`). */
  async get(runId: string): Promise<RunRecord | undefined> {
    if (!parseRunId(runId)) return undefined;
    try {
      return await readRunRecord(this.lake, runId);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A JSON document of the lake, or `undefined` when the object is missing. */
  async readDocument(key: string): Promise<unknown> {
    try {
      return await this.lake.readJson(key);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The records matching `filter`, newest first, unreadable ones left out (see `RunStore.list`). */
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
export function inDates(date: string, filter: Omit<RunFilter, 'status'>): boolean {
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

function isRunRecordLike(value: unknown): value is RunRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<RunRecord>;
  return typeof record.runId === 'string' && runStatusSchema.safeParse(record.status).success;
}

/** True for a lake error that means "no such object". */
export function isNotFound(error: unknown): boolean {
  return error instanceof PipelineError && error.code === 'NOT_FOUND';
}

/** `Promise.all(items.map(fn))` with at most `limit` calls in flight. */
export async function mapLimited<T, R>(
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
