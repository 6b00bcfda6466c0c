import { formatTable as table } from '../text-table.ts';
import type { HistoryEntry } from './history.ts';

/** The run's result in a word: `fail` when a check ended error, `warn` when one warned, else `pass`. */
const result = (entry: HistoryEntry) =>
  entry.checks.some((check) => check.outcome === 'error')
    ? 'fail'
    : entry.checks.some((check) => check.outcome === 'warn')
      ? 'warn'
      : 'pass';

const names = (entry: HistoryEntry, outcome: 'warn' | 'error') =>
  entry.checks
    .filter((check) => check.outcome === outcome)
    .map((check) => check.name)
    .join('; ');

/**
 * A dataset's history as a table, a line per run: rows, the change in rows from the line before, the
 * overall score, and which checks warned or failed. With `check`, that check's own measures instead.
 */
export function formatHistory(entries: readonly HistoryEntry[], check?: string): string {
  if (entries.length === 0) return '(no runs in the history)';
  if (check !== undefined) {
    const rows = entries.map((entry) => {
      const found = entry.checks.find((candidate) => candidate.name === check);
      if (!found) return [entry.date, entry.runId, '(not run)', '', '', ''];
      return [
        entry.date,
        entry.runId,
        found.outcome,
        found.score.toFixed(4),
        found.failingRows === null ? '' : String(found.failingRows),
        found.value === null ? '' : String(found.value),
      ];
    });
    return table([['date', 'run', 'outcome', 'score', 'failing', 'value'], ...rows]);
  }
  const rows = entries.map((entry, i) => {
    const before = entries[i - 1];
    const change =
      before && before.rowCount > 0
        ? `${entry.rowCount >= before.rowCount ? '+' : ''}${(((entry.rowCount - before.rowCount) / before.rowCount) * 100).toFixed(1)}%`
        : '';
    return [
      entry.date,
      entry.runId,
      entry.suite,
      String(entry.rowCount),
      change,
      entry.overallScore === null ? '' : entry.overallScore.toFixed(4),
      result(entry),
      names(entry, 'error'),
      names(entry, 'warn'),
    ];
  });
  return table([['date', 'run', 'suite', 'rows', 'change', 'score', 'result', 'failed', 'warned'], ...rows]);
}
