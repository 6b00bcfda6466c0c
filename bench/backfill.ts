import type { InputSpec } from '../src/lib/pipeline/jobs.ts';
import type { RunSpec } from '../src/lib/pipeline/lifecycle.ts';
import { enqueueRuns, type Producer } from '../src/lib/pipeline/producer.ts';
import type { RunRecord, StepRecord } from '../src/lib/pipeline/run-record.ts';
import type { RunFollower } from '../src/producers/follow-runs.ts';
import type { Dataset } from './dataset.ts';

/** One stage's figures over a backfill: the span from its first start to its last end, over all runs. */
export interface StageFigures {
  /** First start to last end of the stage's jobs, across runs (stages of different runs overlap). */
  spanMs: number;
  /** Sum of the stage's job durations: the work done, whichever process did it. */
  jobMs: number;
  rows: number;
  rowsPerSecond: number;
}

export const STAGES = ['ingest', 'transform', 'quality'] as const;
export type Stage = (typeof STAGES)[number];

/** What one backfill measured. */
export interface BackfillFigures {
  wallMs: number;
  /** Transactions in / wall time. */
  rowsPerSecond: number;
  stages: Record<Stage, StageFigures>;
  statuses: Record<string, number>;
  /** sha256 of every output object, by key: equal across worker counts and repeats, or something is wrong. */
  outputs: Record<string, string>;
  /** Bytes of the datasets written (every date's cleaned, enriched and summary objects). */
  datasetBytes: number;
}

/**
 * The runs of a backfill, of sales_etl: one per date, each ingesting that date's transactions file and
 * the dimension files.
 */
export function backfillSpecs(dataset: Dataset, rerunTag: string): RunSpec[] {
  const file = (path: string): InputSpec => ({ kind: 'file', path });
  return dataset.dates.map((date) => ({
    pipeline: 'sales_etl',
    date,
    suite: 'notebook',
    rerunTag,
    sources: {
      transactions: file(dataset.transactions[date] as string),
      customers: file(dataset.customers),
      products: file(dataset.products),
    },
  }));
}

/**
 * Enqueues a backfill (one flow per date, all at once, as `npm run enqueue -- --date … --to …` does)
 * and waits for every run record. Wall time is from just before the first enqueue until the follower
 * has read the last run record; per-stage figures come from the records' step times.
 */
export async function runBackfill(
  producer: Producer,
  follower: RunFollower,
  specs: RunSpec[],
  timeoutMs = 600_000,
): Promise<BackfillFigures> {
  const started = performance.now();
  const enqueued = await enqueueRuns(producer, specs);
  const outcomes = await follower.wait(
    enqueued.map(({ runId }) => runId),
    timeoutMs,
  );
  const wallMs = performance.now() - started;
  const statuses: Record<string, number> = {};
  for (const outcome of outcomes) statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
  const failed = outcomes.find((outcome) => outcome.status === 'failed' || outcome.status === 'timeout');
  if (failed) {
    throw new Error(
      `run ${failed.runId} ended ${failed.status}: ${failed.error ?? failed.record?.errors.join('; ')}`,
    );
  }
  const records = outcomes.map((outcome) => outcome.record as RunRecord);
  const transactions = sumRows(records, (step) => step.name === 'ingest_transactions', 'landing');
  return {
    wallMs,
    rowsPerSecond: transactions / (wallMs / 1000),
    stages: {
      ingest: stageFigures(
        records,
        'ingest',
        sumRows(records, (step) => step.queue === 'ingest', 'landing'),
      ),
      transform: stageFigures(records, 'transform', transactions),
      quality: stageFigures(
        records,
        'quality',
        sumRows(records, (s) => s.queue === 'transform', 'enriched'),
      ),
    },
    statuses,
    outputs: outputChecksums(records),
    datasetBytes: records
      .flatMap((record) => record.lineage.outputs)
      .filter((ref) => ref.key.includes('/datasets/'))
      .reduce((total, ref) => total + ref.bytes, 0),
  };
}

function stageFigures(records: RunRecord[], queue: Stage, rows: number): StageFigures {
  const steps = records.flatMap((record) => record.steps.filter((step) => step.queue === queue));
  const starts = steps.map((step) => Date.parse(step.startedAt as string));
  const ends = steps.map((step) => Date.parse(step.endedAt as string));
  const spanMs = Math.max(...ends) - Math.min(...starts);
  const jobMs = steps.reduce((sum, step) => sum + (step.durationMs ?? 0), 0);
  return { spanMs, jobMs, rows, rowsPerSecond: rows / (spanMs / 1000) };
}

/** Rows of the steps `pick` selects: landed rows of ingestions, or enriched rows of transforms. */
function sumRows(records: RunRecord[], pick: (step: StepRecord) => boolean, what: 'landing' | 'enriched') {
  let rows = 0;
  for (const record of records) {
    for (const step of record.steps.filter(pick)) {
      const result = step.result as
        | { landing?: { rows: number }; outputs?: { enriched: { rows: number } } }
        | undefined;
      rows += (what === 'landing' ? result?.landing?.rows : result?.outputs?.enriched.rows) ?? 0;
    }
  }
  return rows;
}

function outputChecksums(records: RunRecord[]): Record<string, string> {
  const sums: Record<string, string> = {};
  for (const record of records) for (const ref of record.lineage.outputs) sums[ref.key] = ref.sha256;
  return sums;
}
