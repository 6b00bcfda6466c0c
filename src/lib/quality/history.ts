import type { DataLake, ObjectRef } from '../lake/data-lake.ts';
import { dateOfKey, lakeKeys } from '../lake/keys.ts';
import type { CheckOutcome, QualityReport } from './report.ts';

/** One check of one run, as the history keeps it: the metrics, not the samples. */
export interface HistoryCheck {
  name: string;
  kind: string;
  outcome: CheckOutcome;
  score: number;
  failingRows: number | null;
  fraction: number | null;
  /** What a dataset-level check measured (rows, change, lag, …); `null` for row checks. */
  value: number | null;
}

/** One run's entry in a dataset's quality history: `<pipeline>/history/<dataset>/date=…/<runId>.json`. */
export interface HistoryEntry {
  pipeline: string;
  dataset: string;
  date: string;
  runId: string;
  suite: string;
  /** When the report was made (ISO). */
  timestamp: string;
  rowCount: number;
  overallScore: number | null;
  passed: boolean;
  /**
   * The dataset's columns in order with the type their values had (`int`, `float`, `bool`, `date`,
   * `datetime`, `string`, `empty`); `unknown` when the suite has no schema check (not every value was read).
   */
  columns: Record<string, string>;
  checks: HistoryCheck[];
}

/** The history entry of a report: its metrics, and the columns the dataset had. */
export function historyEntry(
  pipeline: string,
  report: QualityReport,
  columns: Record<string, string>,
): HistoryEntry {
  return {
    pipeline,
    dataset: report.dataset,
    date: report.date,
    runId: report.runId,
    suite: report.suite,
    timestamp: report.timestamp,
    rowCount: report.row_count,
    overallScore: report.overall_score,
    passed: report.passed,
    columns,
    checks: report.check_results.map((result, i) => ({
      name: result.check_name,
      kind: report.checks[i]?.kind ?? 'unknown',
      outcome: result.outcome,
      score: result.score,
      failingRows: result.failing_rows,
      fraction: result.observed.fraction,
      value: result.observed.value ?? null,
    })),
  };
}

/** Appends a run's entry (one object per run: S3 has no append, and a re-run adds its own). */
export function appendHistory(lake: DataLake, entry: HistoryEntry): Promise<ObjectRef> {
  return lake.writeJson(lakeKeys.history(entry.pipeline, entry.dataset, entry.date, entry.runId), entry);
}

/** What {@link readHistory} reads. */
export interface HistoryQuery {
  /** Only dates before this one (`YYYY-MM-DD`), e.g. the run's own date for change checks. */
  before?: string;
  /** Only dates from this one on. */
  from?: string;
  /** At most this many dates, the most recent (default all). */
  limit?: number;
  /** Every run of each date, not only its latest (default false). */
  allRuns?: boolean;
}

/**
 * A dataset's history, oldest first: by default the latest run of each date (the one whose report
 * was made last), as change-over-time checks and trends want it. Reads only the dates it returns.
 */
export async function readHistory(
  lake: DataLake,
  pipeline: string,
  dataset: string,
  query: HistoryQuery = {},
): Promise<HistoryEntry[]> {
  const keys = await lake.storage.list(lakeKeys.historyPrefix(pipeline, dataset));
  const byDate = new Map<string, string[]>();
  for (const key of keys) {
    const date = dateOfKey(key);
    if (!date || !key.endsWith('.json')) continue;
    if (query.before !== undefined && date >= query.before) continue;
    if (query.from !== undefined && date < query.from) continue;
    byDate.set(date, [...(byDate.get(date) ?? []), key]);
  }
  let dates = [...byDate.keys()].sort();
  if (query.limit !== undefined) dates = query.limit > 0 ? dates.slice(-query.limit) : [];
  const entries: HistoryEntry[] = [];
  for (const date of dates) {
    const runs = await Promise.all(
      (byDate.get(date) ?? []).map((key) => lake.readJson<HistoryEntry>(key, { key })),
    );
    runs.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.runId.localeCompare(b.runId));
    entries.push(...(query.allRuns ? runs : runs.slice(-1)));
  }
  return entries;
}
