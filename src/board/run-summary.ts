import type { PipelineRegistry } from '../lib/definition/registry.ts';
import type { RunStatus } from '../lib/pipeline/jobs.ts';
import { suiteOf } from '../lib/pipeline/resolve.ts';
import type { CheckSummary, RunRecord } from '../lib/pipeline/run-record.ts';

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
  /** The dataset the run's suite checked (see {@link suiteDataset}); `undefined` without quality. */
  dataset: string | undefined;
  /** Each check's outcome; `undefined` for records written before checks were recorded. */
  checks: Pick<CheckSummary, 'name' | 'outcome' | 'failingRows'>[] | undefined;
  /** How many checks ended `warn`; `undefined` for records written before warnings were recorded. */
  warnings: number | undefined;
  /**
   * Rows quarantined per source, every source the run ingested present (0 when none were set aside);
   * `undefined` for records written before quarantines were recorded.
   */
  quarantined: Record<string, number> | undefined;
}

const OUTCOMES = new Set<string>(['pass', 'warn', 'error']);

/**
 * The dataset a run's suite checks: from the pipeline's definition when it is loaded and still has the
 * suite, else from the record's report key (`<pipeline>/quality/<dataset>/date=…/<runId>.json`), which
 * names the dataset the run did check. `undefined` for a run without a quality result.
 */
export function suiteDataset(
  record: Pick<RunRecord, 'pipeline' | 'suite' | 'quality'>,
  registry?: PipelineRegistry,
): string | undefined {
  if (!record.quality) return undefined;
  if (registry?.has(record.pipeline) && typeof record.suite === 'string') {
    try {
      const dataset = suiteOf(registry.get(record.pipeline), record.suite)?.dataset;
      if (dataset) return dataset;
    } catch {
      // The suite was renamed or removed since the run: the report key still says what was checked.
    }
  }
  const prefix = `${record.pipeline}/quality/`;
  const key = record.quality.reportKey;
  if (typeof key !== 'string' || !key.startsWith(prefix)) return undefined;
  return key.slice(prefix.length).split('/')[0] || undefined;
}

/**
 * The summary of a run record, read defensively: records are JSON written by any release.
 * @param registry the loaded pipelines, for the dataset of the run's suite ({@link suiteDataset})
 */
export function summarize(record: RunRecord, registry?: PipelineRegistry): RunMetricsSummary {
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
  const { checks, warnings } = record.quality ?? {};
  let quarantined: Record<string, number> | undefined;
  if (record.quarantined && typeof record.quarantined === 'object') {
    quarantined = Object.fromEntries(Object.keys(rowsIn).map((source) => [source, 0]));
    for (const [source, rows] of Object.entries(record.quarantined))
      if (typeof rows === 'number') quarantined[source] = rows;
  }
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
    dataset: suiteDataset(record, registry),
    checks: Array.isArray(checks)
      ? checks
          .filter((check) => typeof check?.name === 'string' && OUTCOMES.has(check.outcome))
          .map(({ name, outcome, failingRows }) => ({
            name,
            outcome,
            failingRows: typeof failingRows === 'number' ? failingRows : null,
          }))
      : undefined,
    warnings: Array.isArray(warnings) ? warnings.length : undefined,
    quarantined,
  };
}
