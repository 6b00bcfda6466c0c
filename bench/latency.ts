import type { RunSpec } from '../src/lib/pipeline/lifecycle.ts';
import { enqueueRuns, type Producer } from '../src/lib/pipeline/producer.ts';
import type { RunFollower } from '../src/producers/follow-runs.ts';
import { median } from './stats.ts';

/** Latency of notebook-size runs, in ms. */
export interface LatencyFigures {
  runs: number;
  /** Client-side: just before `enqueueRuns` until the follower has read the run record. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Server-side, from the record: root job's timestamp to the record's `endedAt`. */
  recordMedianMs: number;
}

/** The transactions generator's defect rates (its defaults); the dimension generators take no options. */
const defects = { nullRegions: 0.02, duplicateIds: 0.01, negativeAmounts: 0.005, messyProducts: 0.05 };

/**
 * The seed's final pipeline run, as a run of sales_etl: 300 generated transactions, 100 customers, the
 * products, suite `pipeline`.
 */
export function notebookRun(tag: string): RunSpec {
  const generate = (records?: number, options: Record<string, number> = {}) => ({
    kind: 'generate' as const,
    seed: 42,
    options,
    ...(records === undefined ? {} : { records }),
  });
  return {
    pipeline: 'sales_etl',
    date: '2023-12-31',
    suite: 'pipeline',
    rerunTag: tag,
    sources: { transactions: generate(300, defects), customers: generate(100), products: generate() },
  };
}

/**
 * Runs `runs` notebook-size runs one after the other on warm workers (after `warmup` runs that are
 * not counted) and returns the median latency from enqueue to run record.
 */
export async function measureLatency(
  producer: Producer,
  follower: RunFollower,
  runs: number,
  warmup = 3,
): Promise<LatencyFigures> {
  const client: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const spec = notebookRun(`lat${process.pid}x${Date.now().toString(36)}x${i}`);
    const started = performance.now();
    const [enqueued] = await enqueueRuns(producer, [spec]);
    const [outcome] = await follower.wait([enqueued?.runId as string], 30_000);
    const elapsed = performance.now() - started;
    if (outcome?.status !== 'success' && outcome?.status !== 'partial') {
      throw new Error(`notebook-size run ended ${outcome?.status}: ${outcome?.error ?? ''}`);
    }
    if (i < warmup) continue;
    client.push(elapsed);
    server.push(outcome.record?.durationMs ?? Number.NaN);
  }
  return {
    runs,
    medianMs: median(client),
    minMs: Math.min(...client),
    maxMs: Math.max(...client),
    recordMedianMs: median(server),
  };
}
