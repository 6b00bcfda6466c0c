import { type RunRecord, stepTimes } from '../lib/pipeline/run-record.ts';
import type { RunView } from './run-listing.ts';

/**
 * One run in a listing: the record without step results and lineage (see `GET /api/runs/:runId`), or,
 * for a run in progress (status `running`, no `endedAt`), its steps so far.
 */
export type RunSummary = Pick<
  RunView,
  | 'runId'
  | 'pipeline'
  | 'date'
  | 'suite'
  | 'status'
  | 'enqueuedAt'
  | 'endedAt'
  | 'durationMs'
  | 'errors'
  | 'latest'
  | 'supersededBy'
> & {
  /**
   * The quality gate without the report's key and the per-check list (see the run): `warnings` (checks
   * that ended `warn`; the run stays `success`) and `blocked` are `[]` for records of older runs.
   */
  quality:
    | (Omit<NonNullable<RunRecord['quality']>, 'reportKey' | 'checks' | 'warnings' | 'blocked'> & {
        warnings: string[];
        blocked: string[];
      })
    | null;
  /** Rows quarantined per source (`{}` when none were, and for records of older runs). */
  quarantined: Record<string, number>;
  /** Each step's state; `durationMs` is its work, `waitMs` its time queued once ready (see `stepTimes`). */
  steps: (Pick<RunRecord['steps'][number], 'name' | 'status' | 'durationMs'> & { waitMs: number | null })[];
};

/** A run as `GET /api/runs` lists it (see {@link RunSummary}). */
export function summarizeRun(run: RunView): RunSummary {
  const steps = run.steps ?? [];
  const times = stepTimes(
    { enqueuedAt: run.enqueuedAt, steps },
    run.status === 'running' ? Date.now() : undefined,
  );
  return {
    runId: run.runId,
    pipeline: run.pipeline,
    date: run.date,
    suite: run.suite,
    status: run.status,
    enqueuedAt: run.enqueuedAt,
    endedAt: run.endedAt,
    durationMs: run.durationMs,
    errors: run.errors ?? [],
    latest: run.latest,
    supersededBy: run.supersededBy,
    quality: run.quality
      ? {
          passed: run.quality.passed,
          overallScore: run.quality.overallScore,
          failedChecks: run.quality.failedChecks,
          warnings: run.quality.warnings ?? [],
          blocked: run.quality.blocked ?? [],
        }
      : null,
    quarantined: run.quarantined ?? {},
    steps: steps.map((step, i) => ({
      name: step.name,
      status: step.status,
      durationMs: step.durationMs,
      waitMs: times[i]?.waitMs ?? null,
    })),
  };
}
