import type { Job } from 'bullmq';
import type { QualityPayload, RunStatus } from '../lib/pipeline/jobs.ts';
import type { Latest } from '../lib/pipeline/latest-run.ts';
import type { RunRecord } from '../lib/pipeline/run-record.ts';

// The latest-run rule lives in lib (enqueue --retry-failed uses it too); the board's modules import it
// from here as before.
export { type Latest, latestByDate, NOT_LATEST } from '../lib/pipeline/latest-run.ts';

/** A run's status in a listing: how it ended, or `running` while its root job has not finished. */
export type ListedStatus = RunStatus | 'running';

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
