import type { Job } from 'bullmq';
import type { QualityPayload, RunStatus } from '../lib/pipeline/jobs.ts';
import type { RunRecord } from '../lib/pipeline/run-record.ts';

/** A run's status in a listing: how it ended, or `running` while its root job has not finished. */
export type ListedStatus = RunStatus | 'running';

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

/** A run found by `RunStore.runs`: enough to sort, filter and page; `RunStore.view` reads the rest. */
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

/** The mark of a run that is not its date's latest and superseded none. */
export const NOT_LATEST: Latest = { latest: false, supersededBy: null };

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

/** Orders strings by code unit, as `<` does (not by locale). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
