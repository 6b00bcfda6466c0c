import type { RunRecord } from './run-record.ts';

/**
 * Which run of a date the date's outputs reflect: one rule for the run API (`latest`, `supersededBy`,
 * `/api/runs/latest`) and for `enqueue --retry-failed`, so both answer the same.
 */

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

/** The mark of a run that is not its date's latest and superseded none. */
export const NOT_LATEST: Latest = { latest: false, supersededBy: null };

/** When a run's transform wrote the date's datasets, or `undefined` when it wrote none. */
function wroteAt(record: RunRecord): string | undefined {
  const transform = (record.steps ?? []).find((step) => step.queue === 'transform');
  return transform?.status === 'success' ? (transform.endedAt ?? record.endedAt ?? '') : undefined;
}

/**
 * Marks, per (pipeline, date), the run whose datasets the date holds and the runs it superseded (see
 * {@link Latest}). Records of a date must all be given for the answer to be right.
 */
export function latestByDate(records: readonly RunRecord[]): Map<string, Latest> {
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

/** The run that decides a date's state, from {@link dateRuns}. */
export interface DateRuns {
  /**
   * The date's latest run: the one marked {@link Latest.latest}; when no run of the date wrote its
   * datasets, the one that ended last (every run of the date then failed before its transform wrote).
   * `undefined` when the date has no ended run.
   */
  latest: RunRecord | undefined;
  /** Runs that ended after `latest` without writing datasets (they failed before the transform wrote). */
  failedSince: RunRecord[];
}

/**
 * The latest run of each date of one pipeline (see {@link DateRuns}), by date. Every record of each
 * date must be given; records of other pipelines are ignored when `pipeline` is given.
 */
export function dateRuns(records: readonly RunRecord[], pipeline?: string): Map<string, DateRuns> {
  const own = pipeline === undefined ? records : records.filter((record) => record.pipeline === pipeline);
  const marks = latestByDate(own);
  const byDate = new Map<string, RunRecord[]>();
  for (const record of own) byDate.set(record.date, [...(byDate.get(record.date) ?? []), record]);
  const result = new Map<string, DateRuns>();
  for (const [date, runs] of byDate) {
    const ended = [...runs].sort((a, b) => byCodeUnit(endOf(a), endOf(b)) || byCodeUnit(a.runId, b.runId));
    const latest = runs.find((run) => marks.get(run.runId)?.latest) ?? ended.at(-1);
    const since = latest ? endOf(latest) : '';
    const failedSince = ended.filter(
      (run) => run !== latest && endOf(run) > since && wroteAt(run) === undefined,
    );
    result.set(date, { latest, failedSince });
  }
  return result;
}

/** Orders strings by code unit, as `<` does (ISO times and run ids; not by locale). */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function endOf(record: RunRecord): string {
  return typeof record.endedAt === 'string' ? record.endedAt : '';
}
