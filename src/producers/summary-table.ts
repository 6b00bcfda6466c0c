import type { RunOutcome } from './follow-runs.ts';

/** Renders rows as an aligned plain-text table (first row is the header). */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  if (!header) return '';
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

/**
 * One line per run: status, each dataset's rows (from the record's datasets, so any pipeline's), quality
 * score, duration, first error.
 */
export function formatRunSummary(outcomes: readonly RunOutcome[]): string {
  const rows = outcomes.map(({ runId, status, record, error }) => {
    const datasets = Object.entries(record?.datasets ?? {}).map(([name, ref]) => `${name} ${ref.rows}`);
    const firstError = record?.errors[0] ?? error ?? '';
    return [
      runId,
      status.toUpperCase(),
      datasets.join(', ') || '-',
      record?.quality?.overallScore == null ? '-' : `${(record.quality.overallScore * 100).toFixed(2)}%`,
      record?.durationMs == null ? '-' : `${(record.durationMs / 1000).toFixed(2)}s`,
      firstError.length > 90 ? `${firstError.slice(0, 87)}...` : firstError,
    ];
  });
  return formatTable([['run', 'status', 'dataset rows', 'quality', 'duration', 'error'], ...rows]);
}
