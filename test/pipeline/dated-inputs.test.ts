import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputForDate } from '../../src/lib/pipeline/input-spec.ts';
import { readRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { Processes, runEnqueueCli } from '../reliability/support/harness.ts';

/** Inputs named by date: a backfill where each run reads its own date's file. */

const HEADER = 'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount';
const DATES = ['2024-02-27', '2024-02-28', '2024-02-29'];

/** A transactions file of `rows` rows on `date`. */
function transactions(date: string, rows: number): string {
  const lines = Array.from(
    { length: rows },
    (_, i) => `T${date}-${i},${date} 10:0${i % 10}:00,CUST1000,Widget A,1,25.5,EU,25.5`,
  );
  return `${[HEADER, ...lines].join('\n')}\n`;
}

describe('inputs with {date}', () => {
  let dir: string;
  let env: PipelineEnv;
  const processes = new Processes();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-dated-'));
    // Each date's file has a different row count, so a run that read another date's file shows.
    await Promise.all(
      DATES.map((date, i) => writeFile(path.join(dir, `tx-${date}.csv`), transactions(date, 3 + i))),
    );
    env = await createPipelineEnv({ workers: false });
    await processes.worker(env.env);
  });
  afterAll(async () => {
    await processes.killAll();
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('puts the run date into a path or a lake key', () => {
    expect(inputForDate({ kind: 'file', path: '/in/tx-{date}.csv' }, '2024-01-02')).toEqual({
      kind: 'file',
      path: '/in/tx-2024-01-02.csv',
    });
    expect(inputForDate({ kind: 'lake', key: 'incoming/{date}/tx.csv' }, '2024-01-02')).toEqual({
      kind: 'lake',
      key: 'incoming/2024-01-02/tx.csv',
    });
    const generated = { kind: 'generate' as const, seed: 42, options: {} };
    expect(inputForDate(generated, '2024-01-02')).toBe(generated);
  });

  it('reads each date of a backfill from its own file', async () => {
    const result = await runEnqueueCli(
      env.env,
      [
        '--pipeline',
        'sales_etl',
        '--suite',
        'pipeline',
        '--date',
        DATES[0] as string,
        '--to',
        DATES[2] as string,
        '--source',
        `transactions=${path.join(dir, 'tx-{date}.csv')}`,
        '--wait',
        '--timeout',
        '90',
      ],
      120_000,
    );
    expect(result.code, result.stderr + result.stdout).toBe(0);
    for (const [i, date] of DATES.entries()) {
      const record = await readRunRecord(env.producer.lake, `sales_etl-${date}`);
      const landing = record.lineage.outputs.find((ref) => ref.key.includes('/landing/transactions/'));
      expect(landing, date).toMatchObject({ rows: 3 + i });
      expect(landing?.key).toContain(`date=${date}`);
    }
  });
});
