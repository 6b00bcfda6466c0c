import type { RunStatus } from '../lib/pipeline/jobs.ts';
import type { RunRecord } from '../lib/pipeline/run-record.ts';

/** BullMQ's reason for a parent it fails because a child failed (`failParentOnFailure`). */
const PARENT_FAILURE = /^child \S+ failed$/;

/**
 * Whether a job's failure reason is BullMQ failing a parent because one of its children failed: the
 * failure was counted at the child, its cause.
 */
export function isParentFailure(reason: string | undefined | null): boolean {
  return typeof reason === 'string' && PARENT_FAILURE.test(reason);
}

/** What the metrics keep of one run record (not the record: a board may hold thousands). */
export interface RunMetricsSummary {
  pipeline: string;
  status: RunStatus;
  /** Epoch ms; undefined when the record has no parseable end. */
  endedAt: number | undefined;
  durationSeconds: number | undefined;
  suite: string | null;
  /** The quality report's overall score (0–1), when the quality step produced one. */
  score: number | undefined;
  /** Rows landed per source by the run's successful ingestions. */
  rowsIn: Record<string, number>;
  /** Rows written per dataset by the run's transform. */
  rowsOut: Record<string, number>;
  /** The steps that failed of their own cause (a parent failed by BullMQ for its child is left out). */
  failedSteps: string[];
}

/** The summary of a run record, read defensively: records are JSON written by any release. */
export function summarize(record: RunRecord): RunMetricsSummary {
  const endedAt = typeof record.endedAt === 'string' ? Date.parse(record.endedAt) : Number.NaN;
  const rowsIn: Record<string, number> = {};
  const failedSteps: string[] = [];
  for (const step of Array.isArray(record.steps) ? record.steps : []) {
    if (step.status === 'failed' && !isParentFailure(step.error)) failedSteps.push(step.name);
    if (step.queue !== 'ingest' || step.status !== 'success') continue;
    const result = step.result as { source?: unknown; landing?: { rows?: unknown } } | undefined;
    const rows = result?.landing?.rows;
    const source = typeof result?.source === 'string' ? result.source : step.name.replace(/^ingest_/, '');
    if (typeof rows === 'number') rowsIn[source] = (rowsIn[source] ?? 0) + rows;
  }
  const rowsOut: Record<string, number> = {};
  for (const [dataset, ref] of Object.entries(record.datasets ?? {})) {
    if (typeof ref?.rows === 'number') rowsOut[dataset] = ref.rows;
  }
  const score = record.quality?.overallScore;
  return {
    pipeline: record.pipeline,
    status: record.status,
    endedAt: Number.isFinite(endedAt) ? endedAt : undefined,
    durationSeconds: typeof record.durationMs === 'number' ? record.durationMs / 1000 : undefined,
    suite: typeof record.suite === 'string' ? record.suite : null,
    score: typeof score === 'number' && Number.isFinite(score) ? score : undefined,
    rowsIn,
    rowsOut,
    failedSteps,
  };
}
