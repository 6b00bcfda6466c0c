import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';
import { QUEUE_NAMES } from '../../src/lib/pipeline/jobs.ts';
import { jobIds, runIdOf } from '../../src/lib/pipeline/lifecycle.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../../src/workers/runtime.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { FaultyStorage } from './support/faulty-storage.ts';
import { processedChecksums } from './support/harness.ts';

/**
 * Fault 5: transient errors (storage hiccups, injected by a wrapper around the real lake) are retried
 * with exponential backoff; validation errors fail at once; every step runs under STEP_TIMEOUT_MS.
 * In-process workers, so the faulty storage can be handed to them; real Redis, real files.
 */

let env: PipelineEnv | undefined;
let runtime: WorkerRuntime | undefined;
afterEach(async () => {
  await runtime?.shutdown();
  await env?.close();
  env = undefined;
  runtime = undefined;
});

/** An env whose workers write through a {@link FaultyStorage}; the producer reads the lake directly. */
async function faultyEnv(
  settings: Record<string, string>,
): Promise<{ env: PipelineEnv; faults: FaultyStorage }> {
  env = await createPipelineEnv({ workers: false, env: settings });
  const faults = new FaultyStorage(new LocalStorage(env.lakeDir));
  runtime = await startWorkerRuntime(env.config, {
    queues: QUEUE_NAMES,
    concurrency: 2,
    lake: new DataLake(faults),
  });
  return { env, faults };
}

const stepOf = (record: { steps: { name: string }[] } | null | undefined, name: string) =>
  record?.steps.find((step) => step.name === name) as
    | { status: string; attempts: number; error?: string }
    | undefined;

describe('transient storage errors', () => {
  it('are retried with exponential backoff until the step succeeds', async () => {
    const { env, faults } = await faultyEnv({ JOB_ATTEMPTS: '4', JOB_BACKOFF_MS: '200' });
    const cleaned = /^sales_etl\/datasets\/cleaned\//;
    faults.inject({ ops: ['putStream'], keys: cleaned, action: 'fail', times: 2 });
    const spec = generatedRun('2024-05-01');
    const [outcome] = await env.run([spec]);
    expect(outcome?.status).toBe('success');
    expect(stepOf(outcome?.record, 'transform')).toMatchObject({ status: 'success', attempts: 3 });

    // Each attempt opens the cleaned output first: the gaps between attempts are the backoff,
    // 200 ms then 400 ms.
    const [first, second, third] = faults.callsOf('putStream', cleaned).map((call) => call.at);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(200);
    expect((third as number) - (second as number)).toBeGreaterThanOrEqual(400);
    const { logs } = await env.producer.queues.transform.getJobLogs(jobIds.transform(runIdOf(spec)));
    expect(logs.filter((line) => line.includes('injected storage hiccup'))).toHaveLength(2);
  });

  it('that persist fail the run after the last attempt, leaving the date’s outputs as they were', async () => {
    const { env, faults } = await faultyEnv({ JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '20' });
    const date = '2024-05-02';
    const [good] = await env.run([generatedRun(date)]);
    expect(good?.status).toBe('success');
    const before = await processedChecksums(env.producer.lake, date);

    faults.inject({
      ops: ['putStream'],
      keys: /^sales_etl\/datasets\/enriched\//,
      action: 'fail',
      times: 99,
    });
    const [outcome] = await env.run([generatedRun(date, { rerunTag: 'storage' })]);
    expect(outcome?.status).toBe('failed');
    const transform = stepOf(outcome?.record, 'transform');
    expect(transform).toMatchObject({ status: 'failed', attempts: 3 });
    expect(transform?.error).toMatch(
      `STORAGE_IO: injected storage hiccup: putStream failed (object ${lakeKeys.dataset('sales_etl', 'enriched', date)})`,
    );
    expect(await processedChecksums(env.producer.lake, date)).toEqual(before);
  });

  it('while outputs are put in place are repaired by the retry: the date ends consistent', async () => {
    const { env, faults } = await faultyEnv({ JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '20' });
    const date = '2024-05-03';
    // The summary's upload fails at its very end, after the cleaned and enriched objects were put.
    faults.inject({
      ops: ['putStream'],
      keys: /^sales_etl\/datasets\/daily_summary\//,
      action: 'fail-late',
      times: 1,
    });
    const [outcome] = await env.run([generatedRun(date)]);
    expect(outcome?.status).toBe('success');
    expect(stepOf(outcome?.record, 'transform')?.attempts).toBe(2);
    const written =
      outcome?.record?.lineage.outputs.filter((ref) => ref.key.startsWith('sales_etl/datasets/')) ?? [];
    expect(await processedChecksums(env.producer.lake, date)).toEqual(
      Object.fromEntries(written.map((ref) => [ref.key, ref.sha256])),
    );
  });
});

describe('validation errors', () => {
  it('are not retried, however many attempts are configured', async () => {
    const { env } = await faultyEnv({ JOB_ATTEMPTS: '4', JOB_BACKOFF_MS: '200' });
    const file = path.join(env.lakeDir, 'bad.csv');
    await writeFile(
      file,
      'transaction_id,timestamp,customer_id,product,quantity\nT1,2024-05-04 10:00:00,C1,W,x\n',
    );
    const spec = generatedRun('2024-05-04');
    spec.sources.transactions = { kind: 'file', path: file };
    const [outcome] = await env.run([spec]);
    expect(outcome?.status).toBe('failed');
    const ingest = stepOf(outcome?.record, 'ingest_transactions');
    expect(ingest).toMatchObject({ status: 'failed', attempts: 1 });
    expect(ingest?.error).toMatch(/^INVALID_VALUE: .*row 1, column quantity/);
    const { logs } = await env.producer.queues.ingest.getJobLogs(
      jobIds.ingest(runIdOf(spec), 'transactions'),
    );
    expect(logs.filter((line) => line.startsWith('attempt'))).toEqual([
      expect.stringMatching(/^attempt 1 failed/),
    ]);
  });
});

describe('step timeouts', () => {
  it('end every step that blocks: STEP_TIMEOUT, retried, then the run fails (partial for quality)', async () => {
    const { env, faults } = await faultyEnv({
      STEP_TIMEOUT_MS: '1000',
      JOB_ATTEMPTS: '2',
      JOB_BACKOFF_MS: '20',
    });
    // One blocked call per step, each in its own run: the ingestion's metadata write and the quality
    // report ignore the abort signal (a stuck socket); the transform's stream write honours it.
    faults
      .inject({
        ops: ['put'],
        keys: /^sales_etl\/landing\/transactions\/date=2024-05-05\/.*meta/,
        action: 'hang',
        times: 9,
      })
      .inject({
        ops: ['putStream'],
        keys: /^sales_etl\/datasets\/cleaned\/.*date=2024-05-06/,
        action: 'hang',
        times: 9,
      })
      .inject({ ops: ['put'], keys: /^sales_etl\/quality\/.*date=2024-05-07/, action: 'hang', times: 9 });
    const runs = ['2024-05-05', '2024-05-06', '2024-05-07'].map((date) => generatedRun(date));
    const [ingest, transform, quality] = await env.run(runs, 30_000);

    const timedOut = { status: 'failed', attempts: 2, error: 'STEP_TIMEOUT: step timed out after 1000 ms' };
    expect(ingest?.status).toBe('failed');
    expect(stepOf(ingest?.record, 'ingest_transactions')).toMatchObject(timedOut);
    expect(transform?.status).toBe('failed');
    expect(stepOf(transform?.record, 'transform')).toMatchObject(timedOut);
    expect(quality?.status).toBe('partial'); // the quality step is optional, as in the seed
    expect(stepOf(quality?.record, 'quality_checks')).toMatchObject(timedOut);
    expect(await env.producer.lake.storage.list('sales_etl/datasets/cleaned/')).toEqual([
      lakeKeys.dataset('sales_etl', 'cleaned', '2024-05-07'),
    ]);
  });
});
