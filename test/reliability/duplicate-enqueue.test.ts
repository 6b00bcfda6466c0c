import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { runIdOf } from '../../src/lib/pipeline/lifecycle.ts';
import { enqueueRuns } from '../../src/lib/pipeline/producer.ts';
import { readRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { checksums, processedChecksums, runEnqueueCli } from './support/harness.ts';

/**
 * Fault 4: the same run enqueued twice, also by two processes at the same moment, is one run with one
 * set of outputs (deterministic job ids; the flow is added in one transaction). A deliberate re-run
 * of a finished date replaces that date's outputs whole.
 */

let env: PipelineEnv;
/** How many times each job id became active, across the env's in-process workers. */
let starts: Map<string, number>;
beforeEach(async () => {
  env = await createPipelineEnv();
  starts = new Map();
  for (const worker of env.workers?.workers ?? []) {
    worker.on('active', (job) => starts.set(job.id as string, (starts.get(job.id as string) ?? 0) + 1));
  }
});
afterEach(async () => {
  await env.close();
});

const RUN_ARGS = ['--suite', 'pipeline', '--source', 'transactions=2000', '--source', 'customers=300'];

/** Every job of the env's queues, by state. */
async function jobCounts(): Promise<Record<string, number>> {
  const { ingest, transform, quality } = env.producer.queues;
  const totals: Record<string, number> = {};
  for (const queue of [ingest, transform, quality]) {
    for (const [state, count] of Object.entries(await queue.getJobCounts())) {
      totals[state] = (totals[state] ?? 0) + count;
    }
  }
  return Object.fromEntries(Object.entries(totals).filter(([, count]) => count > 0));
}

describe('the same run enqueued twice', () => {
  it('at the same moment from two processes: one run, each job run once, one set of outputs', async () => {
    const date = '2024-04-02';
    const args = ['--date', date, ...RUN_ARGS, '--wait', '--timeout', '60'];
    const [first, second] = await Promise.all([runEnqueueCli(env.env, args), runEnqueueCli(env.env, args)]);
    expect([first.code, second.code], `${first.stderr}\n${second.stderr}`).toEqual([0, 0]);
    // Both followed the one run to its end (exit 0: it succeeded); exactly one of them created it.
    const runId = `sales_etl-${date}`;
    const said = [first.stdout, second.stdout].map((out) => {
      if (out.includes(`already enqueued (nothing added): ${runId}`)) return 'already enqueued';
      return out.includes(`enqueued: ${runId}`) ? 'enqueued' : out;
    });
    expect(said.sort()).toEqual(['already enqueued', 'enqueued']);

    expect([...starts.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(await jobCounts()).toEqual({ completed: 5 });
    expect(Object.keys(await checksums(env.producer.lake, 'sales_etl/runs/'))).toEqual([
      lakeKeys.run('sales_etl', runId),
    ]);
    expect(Object.keys(await processedChecksums(env.producer.lake, date))).toHaveLength(3);
  });

  it('again while it runs: nothing is added and no job runs twice', async () => {
    const spec = generatedRun('2024-04-03');
    const firstActive = new Promise<void>((resolve) =>
      env.workers?.workers[0]?.once('active', () => resolve()),
    );
    const [created] = await enqueueRuns(env.producer, [spec]);
    await firstActive;
    const [again] = await enqueueRuns(env.producer, [spec]);
    expect([created?.created, again?.created]).toEqual([true, false]);
    const [outcome] = await env.follower.wait([runIdOf(spec)], 30_000);
    expect(outcome?.status).toBe('success');
    expect([...starts.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(await jobCounts()).toEqual({ completed: 5 });
  });
});

describe('a re-run of a finished date', () => {
  it('replaces every output of the date with the re-run’s, as its run record lists them', async () => {
    const date = '2024-04-04';
    const [original] = await env.run([generatedRun(date)]);
    expect(original?.status).toBe('success');
    const before = await processedChecksums(env.producer.lake, date);
    const originalReport = original!.record!.quality!.reportKey;
    const reportBytes = await env.producer.lake.storage.get(originalReport);

    // Different input (fewer rows, another seed), so every output must change.
    const rerun = await runEnqueueCli(env.env, [
      ...['--date', date, '--suite', 'pipeline', '--source', 'transactions=150', '--source', 'customers=80'],
      ...['--seed', '7', '--rerun', '--wait', '--timeout', '60'],
    ]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const runId = /enqueued: (sales_etl-\S+-r\S+)/.exec(rerun.stdout)?.[1];
    expect(runId).toBeDefined();
    const record = await readRunRecord(env.producer.lake, runId as string);
    expect(record.status).toBe('success');

    const after = await processedChecksums(env.producer.lake, date);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const key of Object.keys(after)) expect(after[key], key).not.toBe(before[key]);
    // Each object now holds exactly what the re-run wrote: nothing of the first run is left.
    const written = Object.fromEntries(
      record.lineage.outputs
        .filter((ref) => ref.key.startsWith('sales_etl/datasets/'))
        .map((r) => [r.key, r.sha256]),
    );
    expect(after).toEqual(written);
    const enriched = record.lineage.outputs.find(
      (ref) => ref.key === lakeKeys.dataset('sales_etl', 'enriched', date),
    );
    expect(enriched?.rows).toBeLessThanOrEqual(150);
    // The quality report is the run's own: the first run's is left as it was, beside the re-run's.
    expect(record.quality?.reportKey).toBe(
      lakeKeys.qualityReport('sales_etl', 'enriched', date, runId as string),
    );
    expect(record.quality?.reportKey).not.toBe(originalReport);
    expect(await env.producer.lake.storage.get(originalReport)).toEqual(reportBytes);
  });
});
