import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import type { InputSpec } from '../../src/lib/pipeline/jobs.ts';
import { enqueueRuns } from '../../src/lib/pipeline/producer.ts';
import { readRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';

let env: PipelineEnv;
/** Input files a test wrote beside its lake; removed after it. */
const inputFiles: string[] = [];
beforeEach(async () => {
  env = await createPipelineEnv();
});
afterEach(async () => {
  await env.close();
  await Promise.all(inputFiles.splice(0).map((file) => rm(file, { force: true })));
});

/** Writes an input file beside the test's lake (the lake is only for what the pipeline writes). */
async function inputFile(name: string, text: string): Promise<string> {
  const file = path.join(env.lakeDir, '..', `${env.env.QUEUE_PREFIX}-${name}`);
  inputFiles.push(file);
  await writeFile(file, text);
  return file;
}

const P = 'sales_etl';
const HEADER = 'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount';

describe('a run end to end on BullMQ flows', () => {
  it('ingests, transforms and checks one date, and writes a complete run record', async () => {
    const [outcome] = await env.run([generatedRun('2024-01-20')]);
    expect(outcome?.status).toBe('success');
    const record = outcome!.record!;
    expect(record.steps.map((step) => [step.name, step.status])).toEqual([
      ['ingest_transactions', 'success'],
      ['ingest_customers', 'success'],
      ['ingest_products', 'success'],
      ['transform', 'success'],
      ['quality_checks', 'success'],
    ]);
    expect(record.quality?.passed).toBe(true);
    expect(record.errors).toEqual([]);

    // Lineage: every landing and processed object, each with the checksum of the bytes in the lake.
    const storage = env.producer.lake.storage;
    const outputs = record.lineage.outputs.map((ref) => ref.key);
    expect(outputs).toEqual(
      expect.arrayContaining([
        lakeKeys.landing(P, 'transactions', '2024-01-20'),
        lakeKeys.landing(P, 'customers', '2024-01-20'),
        lakeKeys.landing(P, 'products', '2024-01-20'),
        lakeKeys.dataset(P, 'cleaned', '2024-01-20'),
        lakeKeys.dataset(P, 'enriched', '2024-01-20'),
        lakeKeys.dataset(P, 'daily_summary', '2024-01-20'),
      ]),
    );
    for (const ref of record.lineage.outputs) expect(sha256(await storage.get(ref.key))).toBe(ref.sha256);
    expect(Object.keys(record.datasets)).toEqual(['cleaned', 'enriched', 'daily_summary']);
    expect(record.quality?.reportKey).toBe(lakeKeys.qualityReport(P, 'enriched', '2024-01-20', record.runId));
    expect(record.quality?.reportKey).toBe(
      'sales_etl/quality/enriched/date=2024-01-20/sales_etl-2024-01-20.json',
    );
    expect(await storage.exists(record.quality!.reportKey)).toBe(true);
    expect(await storage.exists(lakeKeys.run(P, record.runId))).toBe(true);
    expect(await readRunRecord(env.producer.lake, record.runId)).toEqual(record);

    // Transactions: 300 generated rows plus duplicates; cleaning drops duplicates and negatives.
    const { cleaned, enriched } = record.datasets;
    expect(enriched?.rows).toBe(cleaned?.rows);
    expect(cleaned?.rows).toBeGreaterThan(250);
    expect(cleaned?.rows).toBeLessThanOrEqual(300);
  });

  it('fails the run at once when an ingestion is missing required columns', async () => {
    const file = await inputFile(
      'bad.csv',
      'transaction_id,timestamp,product\nT1,2024-01-20 10:00:00,Widget A\n',
    );
    const spec = generatedRun('2024-01-20');
    spec.sources.transactions = { kind: 'file', path: file };
    const [outcome] = await env.run([spec]);
    expect(outcome?.status).toBe('failed');
    const failed = outcome!.record!.steps.find((step) => step.name === 'ingest_transactions');
    expect(failed?.status).toBe('failed');
    expect(failed?.attempts).toBe(1); // validation errors are not retried
    expect(outcome!.record!.errors.join('\n')).toMatch(/customer_id.*quantity|quantity.*customer_id/);
    // The parents end failed too, instead of waiting for children forever.
    const root = await Job.fromId(env.producer.queues.quality, 'sales_etl-2024-01-20-quality');
    expect(await root?.getState()).toBe('failed');
    expect(await env.producer.lake.storage.exists(lakeKeys.dataset(P, 'enriched', '2024-01-20'))).toBe(false);
  });

  it('logs what an ingestion read, where it landed, and each warning, in order, for the board', async () => {
    const rows = [
      'T1,2024-01-20 10:00:00,,Widget A,1,5,EU,5,web',
      'T2,2024-01-20 11:00:00,CUST1000,,2,5,EU,10,shop',
    ];
    const file = await inputFile('warn.csv', `${HEADER},channel\n${rows.join('\n')}\n`);
    const spec = generatedRun('2024-01-20');
    spec.sources.transactions = { kind: 'file', path: file };
    const [outcome] = await env.run([spec]);
    const ingest = outcome?.record?.steps.find((step) => step.name === 'ingest_transactions');
    expect(ingest?.status).toBe('success');
    const { warnings } = (ingest?.result ?? {}) as { warnings: string[] };
    expect(warnings).toEqual([
      'Unexpected columns: channel',
      "Column 'customer_id' has 1 null values",
      "Column 'product' has 1 null values",
    ]);
    const { logs } = await env.producer.queues.ingest.getJobLogs(ingest?.jobId as string);
    expect(logs).toEqual([
      'ingesting transactions for 2024-01-20 from file',
      'landed 2 rows at sales_etl/landing/transactions/date=2024-01-20/transactions.csv; 3 warnings',
      ...warnings.map((warning) => `warning: ${warning}`),
    ]);
  });

  it('ends partial when the quality gate fails', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => {
      const total = i < 2 ? '20000' : '100';
      return `T${i},2024-01-20 1${i % 10}:00:00,CUST1000,Widget A,1,${total},EU,${total}`;
    });
    const file = await inputFile('big.csv', `${HEADER}\n${rows.join('\n')}\n`);
    const spec = generatedRun('2024-01-20');
    spec.sources.transactions = { kind: 'file', path: file };
    const [outcome] = await env.run([spec]);
    expect(outcome?.status).toBe('partial');
    expect(outcome?.record?.quality?.passed).toBe(false);
    expect(outcome?.record?.quality?.failedChecks).toEqual(['Range: total_amount [0, 10000]']);
    expect(outcome?.record?.steps.every((step) => step.status === 'success')).toBe(true);
  });

  it('adds nothing when the same run is enqueued again', async () => {
    const spec = generatedRun('2024-01-20');
    const [first] = await env.run([spec]);
    expect(first?.status).toBe('success');
    const countsBefore = await env.producer.queues.ingest.getJobCounts();
    const again = await enqueueRuns(env.producer, [spec, spec]);
    expect(again.map((result) => result.created)).toEqual([false, false]);
    expect(await env.producer.queues.ingest.getJobCounts()).toEqual(countsBefore);
    const [second] = await env.follower.wait([first!.runId], 10_000);
    expect(second?.record).toEqual(first?.record);
  });

  it('backfills two dates as two runs, each joined with the latest dimension snapshot', async () => {
    const day2 = generatedRun('2024-01-21');
    day2.sources = { transactions: day2.sources.transactions as InputSpec };
    const outcomes = await env.run([generatedRun('2024-01-20'), day2]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['success', 'success']);
    const second = outcomes[1]!.record!;
    const inputs = second.lineage.inputs.map((ref) => ref.key);
    expect(inputs).toEqual(
      expect.arrayContaining([
        lakeKeys.landing(P, 'transactions', '2024-01-21'),
        lakeKeys.landing(P, 'customers', '2024-01-20'),
        lakeKeys.landing(P, 'products', '2024-01-20'),
      ]),
    );
    const keys = await env.producer.lake.storage.list(`${P}/datasets/enriched/`);
    expect(keys).toEqual([
      lakeKeys.dataset(P, 'enriched', '2024-01-20'),
      lakeKeys.dataset(P, 'enriched', '2024-01-21'),
    ]);
  });
});
