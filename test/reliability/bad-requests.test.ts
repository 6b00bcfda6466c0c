import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerProcess } from '../../src/dev/worker-process.ts';
import { loadConfig } from '../../src/lib/config.ts';
import { isPermanent } from '../../src/lib/errors.ts';
import { openLake } from '../../src/lib/lake/open-lake.ts';
import { readRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { parseEnqueueArgs } from '../../src/producers/enqueue-args.ts';
import { parseChildResult } from '../../src/workers/step.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { nextEvent, openEvents, runEnqueueCli } from './support/harness.ts';

/**
 * Bad requests: enqueue arguments, lake keys from every place a key can come from (command line, job
 * payload added straight to a queue, configuration), and job payloads that fail their schema. Each is
 * refused with a clear message; nothing is enqueued, read or written; workers keep serving.
 */

let env: PipelineEnv;
beforeAll(async () => {
  env = await createPipelineEnv();
});
afterAll(async () => {
  await env.close();
});

const TRAVERSALS = [
  ['../x.csv', /".." segment/],
  ['/etc/passwd', /absolute/],
  ['incoming\\x.csv', /backslash/],
  ['incoming/\0x.csv', /NUL/],
] as const;

describe('npm run enqueue with bad arguments', () => {
  it('exits 2 with a message saying what is wrong, and enqueues nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--date', '2024-02-30'], /invalid date "2024-02-30": expected a calendar date YYYY-MM-DD/],
      [['--date', '20240105'], /invalid date "20240105"/],
      [
        ['--date', '2024-01-05', '--sources', 'transactions,orders'],
        /--sources: pipeline sales_etl has no source "orders"; its sources: transactions, customers, products/,
      ],
      [['--date', '2024-01-05', '--frobnicate'], /Unknown option '--frobnicate'/],
      [
        ['--date', '2024-01-05', '--source', 'transactions=lake:../x.csv'],
        /--source transactions: invalid lake key "..\/x.csv": it contains a ".." segment/,
      ],
      [
        ['--date', '2024-01-05', '--source', 'customers=lake:/etc/passwd'],
        /--source customers: invalid lake key "\/etc\/passwd": it is absolute/,
      ],
      [
        ['--date', '2024-01-05', '--source', 'products=lake:a\\b.csv'],
        /--source products: invalid lake key .*backslash/,
      ],
      // A wrong pipeline, source or suite name gets the list of what exists.
      [
        ['--pipeline', 'nope', '--date', '2024-01-05'],
        /--pipeline: unknown pipeline "nope"; loaded pipelines: .*sales_etl/,
      ],
      [
        ['--date', '2024-01-05', '--source', 'orders=10'],
        /--source: pipeline sales_etl has no source "orders"; its sources: transactions, customers, products/,
      ],
      [
        ['--date', '2024-01-05', '--suite', 'strict'],
        /--suite: pipeline sales_etl has no quality suite "strict"; its suites: notebook, pipeline/,
      ],
      [['--date', '2024-01-05', '--sources', 'customers'], /--sources must include transactions/],
      [
        ['--date', '2024-01-05', '--gen', 'colour=red'],
        /--gen colour=red: no generated source takes option colour/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runEnqueueCli(env.env, args)));
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('Usage: npm run enqueue');
      expect(result.stdout).toBe('');
    });
    expect(
      await env.producer.queues.quality.getJobCountByTypes('waiting-children', 'completed', 'failed'),
    ).toBe(0);
  });

  it('refuses a NUL byte in a key or path (argv cannot carry one; the parser is the guard)', () => {
    const registry = env.producer.registry;
    expect(() =>
      parseEnqueueArgs(['--date', '2024-01-05', '--source', 'transactions=lake:a\0b.csv'], registry),
    ).toThrow(/NUL/);
    expect(() =>
      parseEnqueueArgs(['--date', '2024-01-05', '--source', 'transactions=/tmp/a\0b.csv'], registry),
    ).toThrow(/NUL/);
  });
});

describe('job payloads added straight to a queue, bypassing the command line', () => {
  it('fail their schema at once, never retried, naming the field; the workers keep serving', async () => {
    const base = {
      runId: 'sales_etl-2024-07-01',
      pipeline: 'sales_etl',
      date: '2024-07-01',
      source: 'transactions',
    };
    const payloads: [string, Record<string, unknown>, RegExp][] = [
      ...TRAVERSALS.map(([key, problem], i): [string, Record<string, unknown>, RegExp] => [
        `key${i}`,
        { ...base, input: { kind: 'lake', key } },
        new RegExp(`input.key: invalid lake key .*${problem.source}`),
      ]),
      [
        'relative',
        { ...base, input: { kind: 'file', path: 'relative.csv' } },
        /input.path: must be an absolute path/,
      ],
      [
        'date',
        { ...base, date: '2024-02-30', input: { kind: 'generate' } },
        /date: expected a calendar date/,
      ],
      ['runid', { ...base, runId: 'a/../b', input: { kind: 'generate' } }, /runId: letters, digits/],
      ['source', { ...base, source: 'Orders!', input: { kind: 'generate' } }, /source: /],
      ['empty', {}, /runId: .*input: /],
    ];
    const ingest = await openEvents(env.config, 'ingest');
    try {
      const failed = payloads.map(([id]) =>
        nextEvent<{ jobId: string; failedReason: string }>(
          ingest.events,
          'failed',
          ({ jobId }) => jobId === `bad-${id}`,
        ),
      );
      // attempts: 3, as the flows give their jobs: a bad payload must not use them.
      for (const [id, data] of payloads) {
        await env.producer.queues.ingest.add('ingest-raw', data as never, {
          jobId: `bad-${id}`,
          attempts: 3,
        });
      }
      const reasons = await Promise.all(failed);
      for (const [i, [id, , message]] of payloads.entries()) {
        const job = (await env.producer.queues.ingest.getJob(`bad-${id}`)) as Job;
        expect({ id, state: await job.getState(), attemptsMade: job.attemptsMade }).toEqual({
          id,
          state: 'failed',
          attemptsMade: 1,
        });
        expect(reasons[i]?.failedReason).toMatch(/^PAYLOAD_INVALID: invalid ingest payload: /);
        expect(reasons[i]?.failedReason).toMatch(message);
      }
    } finally {
      await ingest.close();
    }
    // Nothing was read from outside the lake or written into it, and a good run still goes through.
    expect(await env.producer.lake.storage.list('')).toEqual([]);
    const [outcome] = await env.run([generatedRun('2024-07-01')]);
    expect(outcome?.status).toBe('success');

    // A bad job claiming that run's id fails on its own; the run's record stays the run's.
    const again = await openEvents(env.config, 'ingest');
    try {
      const failed = nextEvent(again.events, 'failed', ({ jobId }) => jobId === 'bad-claim');
      const claim = { ...base, input: { kind: 'lake', key: '../x.csv' } };
      await env.producer.queues.ingest.add('ingest-raw', claim as never, { jobId: 'bad-claim', attempts: 3 });
      await failed;
    } finally {
      await again.close();
    }
    expect(await readRunRecord(env.producer.lake, base.runId)).toEqual(outcome?.record);
  });
});

describe('a child step result read back from Redis', () => {
  it('that fails its schema (a forged key) is a permanent RESULT_INVALID, not retried', () => {
    const forged = { source: 'transactions', date: '2024-07-01', metaKey: 'm', columns: [], warnings: [] };
    const landing = { key: '../../etc/passwd', rows: 1, bytes: 1, sha256: 'x' };
    let error: unknown;
    try {
      parseChildResult('ingest', { ...forged, landing });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: 'RESULT_INVALID',
      message: expect.stringMatching(/landing.key: .*".." segment/),
    });
    expect(isPermanent(error)).toBe(true);
  });
});

describe('lake keys at the storage layer', () => {
  it('are refused by every operation, before any file is touched', async () => {
    const storage = env.producer.lake.storage;
    for (const [key, problem] of TRAVERSALS) {
      for (const operation of [
        () => storage.get(key),
        () => storage.put(key, 'x'),
        () => storage.exists(key),
        () => storage.delete(key),
        () => storage.list(`${key}/`),
      ]) {
        await expect(operation()).rejects.toMatchObject({
          code: 'INVALID_KEY',
          message: expect.stringMatching(problem),
        });
      }
    }
    expect(await readdir(path.dirname(env.lakeDir))).not.toContain('x.csv');
  });
});

describe('configuration', () => {
  it('takes any directory path as LAKE_URL, but refuses a bad URL or prefix', async () => {
    const lake = await openLake(
      loadConfig({ LAKE_URL: path.join(env.lakeDir, '..', path.basename(env.lakeDir)) }),
    );
    expect(lake.storage.url).toBe(`file://${env.lakeDir}`);
    await expect(openLake(loadConfig({ LAKE_URL: 's3://bucket/../up' }))).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/LAKE_URL "s3:\/\/bucket\/..\/up": .*".." segment/),
    });
    await expect(openLake(loadConfig({ LAKE_URL: 'ftp://host/lake' }))).rejects.toThrow(/unsupported scheme/);
    expect(() => loadConfig({ QUEUE_PREFIX: 'a:b' })).toThrow(/QUEUE_PREFIX/);
  });

  it('stops a worker process at start-up with a message naming the variable', async () => {
    await expect(startWorkerProcess({ ...env.env, LAKE_URL: 's3://bucket/a\\b' })).rejects.toThrow(
      /exited \(2\) before it was ready: worker: LAKE_URL "s3:\/\/bucket\/a\\\\b": .*backslash/,
    );
  });
});

describe('event times that mix UTC offsets', () => {
  it('fail the run at ingestion, naming the source, row and column (MIXED_TIMEZONES), never retried', async () => {
    const date = '2024-07-02';
    const file = path.join(path.dirname(env.lakeDir), `${path.basename(env.lakeDir)}-mixed.csv`);
    await writeFile(
      file,
      [
        'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount',
        `T1,${date} 10:00:00+01:00,CUST1000,Widget A,1,5,EU,5`,
        `T2,${date} 11:00:00+01:00,CUST1000,Widget A,1,5,EU,5`,
        `T3,${date} 12:00:00,CUST1000,Widget A,1,5,EU,5`,
      ].join('\n'),
    );
    try {
      const spec = generatedRun(date);
      spec.sources.transactions = { kind: 'file', path: file };
      const [outcome] = await env.run([spec]);
      expect(outcome?.status).toBe('failed');
      const step = outcome?.record?.steps.find((s) => s.name === 'ingest_transactions');
      expect(step?.status).toBe('failed');
      expect(step?.error).toMatch(/^MIXED_TIMEZONES: event time "2024-07-02 12:00:00" is naive/);
      expect(step?.error).toMatch(/source transactions, .*row 3, column timestamp/);
      const job = await env.producer.queues.ingest.getJob(`${outcome?.runId}-ingest-transactions`);
      expect(job?.attemptsMade).toBe(1);
      // The transform never ran: nothing of the date was written.
      expect(await env.producer.lake.storage.list(`sales_etl/datasets/`)).not.toContainEqual(
        expect.stringContaining(`date=${date}`),
      );
    } finally {
      await rm(file, { force: true });
    }
  });
});
