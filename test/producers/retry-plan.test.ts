import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../src/lib/pipeline/jobs.ts';
import { dateRuns, latestByDate } from '../../src/lib/pipeline/latest-run.ts';
import type { RunSpec } from '../../src/lib/pipeline/lifecycle.ts';
import type { RunRecord } from '../../src/lib/pipeline/run-record.ts';
import { describeRetryPlan, planRetries } from '../../src/producers/retry-failed.ts';

/** Which dates `--retry-failed` re-runs, decided on records alone (the run API's latest-run rule). */

/** A record of `p`: `wrote` says whether its transform succeeded (and so wrote the date's datasets). */
function record(
  runId: string,
  status: RunStatus,
  endedAt: string,
  wrote: boolean,
  error?: string,
): RunRecord {
  const date = runId.slice(2, 12);
  return {
    runId,
    pipeline: 'p',
    date,
    suite: null,
    status,
    enqueuedAt: null,
    endedAt,
    durationMs: null,
    steps: [
      {
        name: 'transform',
        queue: 'transform',
        jobId: `${runId}-transform`,
        required: true,
        status: wrote ? 'success' : 'failed',
        attempts: 1,
        startedAt: null,
        endedAt: wrote ? endedAt : null,
        durationMs: null,
      },
    ],
    errors: error ? [error] : [],
    quality: null,
    datasets: {},
    lineage: { inputs: [], outputs: [] },
  };
}
const candidate = (date: string): RunSpec => ({ pipeline: 'p', date, sources: {}, rerunTag: 'new' });

describe('planRetries', () => {
  it('decides each date by its latest run, the same run the API marks latest', () => {
    const records = [
      // 01: failed, then re-run successfully: nothing to do.
      record('p-2024-01-01', 'failed', '2024-02-01T01:00:00Z', false, 'ingest_a: gone'),
      record('p-2024-01-01-rx', 'success', '2024-02-01T02:00:00Z', true),
      // 02: succeeded, then a re-run ended partial: the partial run's datasets are the date's.
      record('p-2024-01-02', 'success', '2024-02-01T01:00:00Z', true),
      record('p-2024-01-02-rx', 'partial', '2024-02-01T02:00:00Z', true, 'quality_checks: failed checks: c'),
      // 03: succeeded, then a re-run failed before writing: the date still holds the success.
      record('p-2024-01-03', 'success', '2024-02-01T01:00:00Z', true),
      record('p-2024-01-03-rx', 'failed', '2024-02-01T02:00:00Z', false, 'ingest_a: gone'),
      // 04: every run failed before writing: the last one decides.
      record('p-2024-01-04', 'failed', '2024-02-01T01:00:00Z', false, 'ingest_a: one'),
      record('p-2024-01-04-rx', 'failed', '2024-02-01T02:00:00Z', false, 'ingest_a: two'),
      // 06: failed, but a run of the date is in progress.
      record('p-2024-01-06', 'failed', '2024-02-01T01:00:00Z', false),
      // Another pipeline's failed run of 05 is not p's.
      {
        ...record('p-2024-01-05', 'failed', '2024-02-01T01:00:00Z', false),
        pipeline: 'q',
        runId: 'q-2024-01-05',
      },
    ];
    // The rule is the run API's: where a run of the date wrote datasets, the run it marks latest.
    const marks = latestByDate(records);
    const byDate = dateRuns(records, 'p');
    for (const runId of ['p-2024-01-01-rx', 'p-2024-01-02-rx', 'p-2024-01-03']) {
      expect(marks.get(runId)?.latest).toBe(true);
      expect(byDate.get(runId.slice(2, 12))?.latest?.runId).toBe(runId);
    }
    const dates = ['01', '02', '03', '04', '05', '06'].map((day) => `2024-01-${day}`);
    const plan = planRetries(dates.map(candidate), records, [
      { runId: 'p-2024-01-06-ry', date: '2024-01-06' },
    ]);
    expect(plan.runs.map((run) => run.date)).toEqual(['2024-01-02', '2024-01-04']);
    expect(describeRetryPlan(plan, 'p')).toEqual([
      'retry-failed p 2024-01-01 to 2024-01-06: 2 of 6 date(s) to re-run',
      '  skip   2024-01-01: latest run p-2024-01-01-rx ended success',
      '  re-run 2024-01-02: latest run p-2024-01-02-rx ended partial: quality_checks: failed checks: c',
      '  skip   2024-01-03: latest run p-2024-01-03 ended success (later run p-2024-01-03-rx failed before writing datasets)',
      '  re-run 2024-01-04: latest run p-2024-01-04-rx ended failed: ingest_a: two',
      '  skip   2024-01-05: no run of this date yet (enqueue it without --retry-failed)',
      '  skip   2024-01-06: a run is in progress: p-2024-01-06-ry',
    ]);
  });
});
