import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { Processes, ROOT, runEnqueueCli } from '../reliability/support/harness.ts';

/** `npm run upload`: local files into the lake, a multi-day export split into one object per date. */

const HEADER = 'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount';

function upload(env: Record<string, string>, args: string[]) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/producers/upload.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

describe('npm run upload', () => {
  let dir: string;
  let env: PipelineEnv;
  const processes = new Processes();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-upload-'));
    env = await createPipelineEnv({ workers: false });
  });
  afterAll(async () => {
    await processes.killAll();
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('puts files into the lake as they are', async () => {
    const file = path.join(dir, 'customers.json');
    await writeFile(file, '[{"customer_id":"CUST1000","segment":"Gold"}]');
    const { stdout } = await upload(env.env, [file, '--prefix', 'incoming/crm']);
    expect(stdout).toContain('lake:incoming/crm/customers.json');
    expect((await env.producer.lake.storage.get('incoming/crm/customers.json')).toString()).toBe(
      await readFile(file, 'utf8'),
    );
  });

  it('splits a two-day export by event time, and the backfill reads each date from the lake', async () => {
    const export2 = path.join(dir, 'export.csv');
    // Rows of both days, interleaved; two on the 10th, three on the 11th.
    const rows = [
      'T1,2024-04-10 08:00:00,CUST1000,Widget A,1,25,EU,25',
      'T2,2024-04-11 09:00:00,CUST1000,Widget A,2,25,EU,50',
      'T3,2024-04-10T23:59:59,CUST1000,Widget B,1,45,EU,45',
      'T4,2024-04-11 00:00:00,CUST1000,Widget B,1,45,EU,45',
      'T5,2024-04-11 12:30:00,CUST1000,Gadget X,1,120,EU,120',
    ];
    await writeFile(export2, `${[HEADER, ...rows].join('\n')}\n`);
    const { stdout } = await upload(env.env, [
      export2,
      '--split-by-date',
      '--pipeline',
      'sales_etl',
      '--source',
      'transactions',
    ]);
    expect(stdout).toContain('2024-04-10: 2 rows → lake:incoming/transactions-2024-04-10.csv');
    expect(stdout).toContain('2024-04-11: 3 rows → lake:incoming/transactions-2024-04-11.csv');
    expect((await env.producer.lake.storage.get('incoming/transactions-2024-04-10.csv')).toString()).toBe(
      `${[HEADER, rows[0], rows[2]].join('\n')}\n`,
    );
    const command = /npm run enqueue -- (.*)$/m.exec(stdout)?.[1]?.split(' ') ?? [];
    expect(command).toEqual([
      '--pipeline',
      'sales_etl',
      '--date',
      '2024-04-10',
      '--to',
      '2024-04-11',
      '--source',
      'transactions=lake:incoming/transactions-{date}.csv',
    ]);

    await processes.worker(env.env);
    const result = await runEnqueueCli(
      env.env,
      [...command, '--suite', 'pipeline', '--wait', '--timeout', '90'],
      120_000,
    );
    expect(result.code, result.stderr + result.stdout).toBe(0);
    for (const [date, count] of [
      ['2024-04-10', 2],
      ['2024-04-11', 3],
    ] as const) {
      const record = await readRunRecord(env.producer.lake, `sales_etl-${date}`);
      expect(record.lineage.outputs.find((ref) => ref.key.includes('/landing/transactions/'))).toMatchObject({
        rows: count,
      });
    }
  });

  it('enqueue --split-by-date runs each date of an export; the same export again adds nothing', async () => {
    const exported = path.join(dir, 'export-3.csv');
    const rows = [
      'S1,2024-05-02 08:00:00,CUST1000,Widget A,1,25,EU,25',
      'S2,2024-05-01 09:00:00,CUST1000,Widget A,2,25,EU,50',
      'S3,2024-05-02 10:00:00,CUST1000,Widget B,1,45,EU,45',
    ];
    await writeFile(exported, `${[HEADER, ...rows].join('\n')}\n`);
    const args = ['--pipeline', 'sales_etl', '--suite', 'pipeline', '--source', `transactions=${exported}`];
    const first = await runEnqueueCli(
      env.env,
      [...args, '--split-by-date', 'transactions', '--wait', '--timeout', '90'],
      120_000,
    );
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toContain('split transactions: 2 date(s), 2024-05-01 to 2024-05-02');
    for (const [date, count] of [
      ['2024-05-01', 1],
      ['2024-05-02', 2],
    ] as const) {
      const record = await readRunRecord(env.producer.lake, `sales_etl-${date}`);
      expect(record.lineage.outputs.find((ref) => ref.key.includes('/landing/transactions/'))).toMatchObject({
        rows: count,
      });
    }
    const again = await runEnqueueCli(env.env, [...args, '--split-by-date', 'transactions']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already enqueued (nothing added): sales_etl-2024-05-01');
    expect(again.stdout).toContain('already enqueued (nothing added): sales_etl-2024-05-02');
  });

  it('refuses a row without an event time, naming it, and writes nothing', async () => {
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, `${HEADER}\nT1,2024-04-12 08:00:00,C,W,1,1,EU,1\nT2,,C,W,1,1,EU,1\n`);
    await expect(
      upload(env.env, [
        bad,
        '--split-by-date',
        '--pipeline',
        'sales_etl',
        '--source',
        'transactions',
        '--prefix',
        'bad/',
      ]),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/not a date-time.*row 2, column timestamp/),
    });
    expect(await env.producer.lake.storage.list('bad/')).toEqual([]);
  });
});
