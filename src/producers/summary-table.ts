import { prerequisitesOf } from '../lib/pipeline/lifecycle.ts';
import { type RunRecord, stepTimes } from '../lib/pipeline/run-record.ts';
import { formatTable } from '../lib/text-table.ts';
import { type RunOutcome, seconds } from './follow-runs.ts';

/**
 * Where a run's time went along its critical path: from the root step back through the prerequisite
 * that ended last, each step's queue wait and work (see `stepTimes`). The two add up to the run's
 * duration, so a slow run shows whether it waited for workers or worked. `null` when unknown.
 */
export function runTimes(record: Pick<RunRecord, 'enqueuedAt' | 'steps'>): {
  waitMs: number | null;
  workMs: number | null;
} {
  const steps = record.steps ?? [];
  const times = stepTimes({ enqueuedAt: record.enqueuedAt, steps });
  let waitMs: number | null = null;
  let workMs: number | null = null;
  let index = steps.findIndex((step) => step.queue === 'quality');
  const visited = new Set<number>();
  while (index >= 0 && !visited.has(index)) {
    visited.add(index);
    const step = steps[index] as RunRecord['steps'][number];
    const time = times[index];
    if (time?.waitMs != null) waitMs = (waitMs ?? 0) + time.waitMs;
    if (time?.workMs != null) workMs = (workMs ?? 0) + time.workMs;
    // The prerequisite that made this step ready: the one that ended last.
    let next = -1;
    for (const before of prerequisitesOf(step, steps)) {
      const at = before.endedAt ?? '';
      if (next < 0 || at > ((steps[next] as RunRecord['steps'][number]).endedAt ?? ''))
        next = steps.indexOf(before);
    }
    index = next;
  }
  return { waitMs, workMs };
}

/**
 * The warnings cell: how many checks ended `warn` and which (`-` for none, and for records of runs
 * before warnings were recorded). A warning leaves the run `success`, so this is where it shows.
 */
export function formatWarnings(record: Pick<RunRecord, 'quality'> | null): string {
  const warnings = record?.quality?.warnings ?? [];
  if (warnings.length === 0) return '-';
  const text = `${warnings.length}: ${warnings.join(', ')}`;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * One line per run: status, each dataset's rows (from the record's datasets, so any pipeline's), quality
 * score, the checks that warned, duration, and of it the time queued and the time worked (along the
 * critical path, {@link runTimes}), first error.
 */
export function formatRunSummary(outcomes: readonly RunOutcome[]): string {
  const rows = outcomes.map(({ runId, status, record, error }) => {
    const datasets = Object.entries(record?.datasets ?? {}).map(([name, ref]) => `${name} ${ref.rows}`);
    const firstError = record?.errors[0] ?? error ?? '';
    const { waitMs, workMs } = record ? runTimes(record) : { waitMs: null, workMs: null };
    return [
      runId,
      status.toUpperCase(),
      datasets.join(', ') || '-',
      record?.quality?.overallScore == null ? '-' : `${(record.quality.overallScore * 100).toFixed(2)}%`,
      formatWarnings(record),
      record?.durationMs == null ? '-' : seconds(record.durationMs),
      waitMs === null ? '-' : seconds(waitMs),
      workMs === null ? '-' : seconds(workMs),
      firstError.length > 90 ? `${firstError.slice(0, 87)}...` : firstError,
    ];
  });
  return formatTable([
    ['run', 'status', 'dataset rows', 'quality', 'warnings', 'duration', 'wait', 'work', 'error'],
    ...rows,
  ]);
}
