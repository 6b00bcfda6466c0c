import { LiveRuns } from '../board/live-runs.ts';
import { RunRecords } from '../board/run-records.ts';
import type { Logger } from '../lib/logger.ts';
import { dateRuns } from '../lib/pipeline/latest-run.ts';
import type { RunSpec } from '../lib/pipeline/lifecycle.ts';
import type { Producer } from '../lib/pipeline/producer.ts';
import type { RunRecord } from '../lib/pipeline/run-record.ts';

/** Statuses of a date's latest run that `--retry-failed` runs again. */
const RETRIED = new Set<string>(['failed', 'partial']);

/** One date `--retry-failed` looked at: re-run or skipped, and why. */
export interface RetryDecision {
  date: string;
  rerun: boolean;
  reason: string;
}

/** What `--retry-failed` does over its range: the re-runs to enqueue and a decision per date. */
export interface RetryPlan {
  runs: RunSpec[];
  decisions: RetryDecision[];
}

/**
 * Chooses, of one re-run per date (`candidates`), those whose date's latest run (the run API's rule:
 * `dateRuns`) ended `failed` or `partial`. A date without any ended run is skipped (there is nothing to
 * retry: a plain enqueue runs it), and so is a date with a run in progress (it has not ended yet).
 * @param records every record of the candidates' pipeline and dates
 * @param inProgress the runs of those dates not ended yet
 */
export function planRetries(
  candidates: readonly RunSpec[],
  records: readonly RunRecord[],
  inProgress: readonly { runId: string; date: string }[] = [],
): RetryPlan {
  const pipeline = candidates[0]?.pipeline;
  const byDate = dateRuns(records, pipeline);
  const runs: RunSpec[] = [];
  const decisions: RetryDecision[] = [];
  for (const candidate of candidates) {
    const { date } = candidate;
    const running = inProgress.find((run) => run.date === date);
    const { latest, failedSince = [] } = byDate.get(date) ?? { latest: undefined };
    let decision: RetryDecision;
    if (running) decision = { date, rerun: false, reason: `a run is in progress: ${running.runId}` };
    else if (!latest)
      decision = {
        date,
        rerun: false,
        reason: 'no run of this date yet (enqueue it without --retry-failed)',
      };
    else if (RETRIED.has(latest.status)) {
      const why = latest.errors?.[0];
      decision = {
        date,
        rerun: true,
        reason: `latest run ${latest.runId} ended ${latest.status}${why ? `: ${clip(why)}` : ''}`,
      };
    } else {
      // The date still holds this run's datasets: a later run that failed before writing changed nothing.
      const later = failedSince.map((run) => run.runId).join(', ');
      const note = later
        ? ` (later ${failedSince.length > 1 ? 'runs' : 'run'} ${later} failed before writing datasets)`
        : '';
      decision = { date, rerun: false, reason: `latest run ${latest.runId} ended ${latest.status}${note}` };
    }
    decisions.push(decision);
    if (decision.rerun) runs.push(candidate);
  }
  return { runs, decisions };
}

/**
 * Reads the records and the runs in progress of the candidates' pipeline and dates, then
 * {@link planRetries}. Unreadable records are left out and logged, as in the run API.
 */
export async function selectRetries(
  producer: Producer,
  candidates: readonly RunSpec[],
  logger: Logger,
): Promise<RetryPlan> {
  const first = candidates[0];
  if (!first) return { runs: [], decisions: [] };
  const { pipeline } = first;
  const filter = { pipeline, from: first.date, to: candidates.at(-1)?.date ?? first.date };
  const [records, live] = await Promise.all([
    new RunRecords(producer.lake, [pipeline], logger, 16).list(filter),
    new LiveRuns([pipeline], producer.queues).inProgress(filter),
  ]);
  const ended = new Map(records.map((record) => [record.runId, record]));
  // A root job re-added after retention removed the old one runs again under an id with a record.
  const running = live
    .filter((root) => {
      const record = ended.get(root.data.runId);
      return !record || Date.parse(record.endedAt) < root.timestamp;
    })
    .map((root) => ({ runId: root.data.runId, date: root.data.date }));
  return planRetries(candidates, records, running);
}

/** The lines `--retry-failed` prints before enqueueing: what it re-runs and skips, and why. */
export function describeRetryPlan(plan: RetryPlan, pipeline: string): string[] {
  const dates = plan.decisions.map((decision) => decision.date);
  const head = `retry-failed ${pipeline} ${dates[0] ?? '-'} to ${dates.at(-1) ?? '-'}: ${plan.runs.length} of ${dates.length} date(s) to re-run`;
  return [
    head,
    ...plan.decisions.map(({ date, rerun, reason }) => `  ${rerun ? 're-run' : 'skip  '} ${date}: ${reason}`),
  ];
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
