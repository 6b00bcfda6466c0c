import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';
import { transformDate } from '../../src/lib/transform/transform.ts';

const HEADER = 'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount';
const TRANSACTIONS = `${HEADER}\nT1,2024-01-20 10:00:00,C1,Widget A,2,25,EU,60\n`;
const customers = (segment: string) =>
  `customer_id,customer_name,segment,join_date,lifetime_value\nC1,One,${segment},2020-01-01,1\n`;
const PRODUCTS = 'product,category,cost,active\nWidget A,Hardware,25,True\n';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

let root: string;
let lake: DataLake;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'transform-inputs-'));
  lake = new DataLake(new LocalStorage(root));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function land(source: string, date: string, text: string) {
  await lake.storage.put(lakeKeys.landing(source, date), text);
}

async function segmentOf(date: string): Promise<string | undefined> {
  const result = await transformDate({ lake, runId: 'test', date });
  const { header, rows } = await lake.readCsvRows(result.outputs.enriched.key);
  return rows[0]?.[header.indexOf('segment')];
}

describe('transformDate: inputs', () => {
  it('joins the latest dimension snapshot at or before the run date, never a later one', async () => {
    await land('transactions', '2024-01-20', TRANSACTIONS);
    await land('transactions', '2024-01-14', TRANSACTIONS);
    await land('customers', '2024-01-10', customers('Bronze'));
    await land('customers', '2024-01-15', customers('Gold'));
    await land('customers', '2024-01-25', customers('Platinum'));
    await land('products', '2024-01-01', PRODUCTS);
    expect(await segmentOf('2024-01-20')).toBe('Gold');
    expect(await segmentOf('2024-01-14')).toBe('Bronze');
  });

  it('fails with MISSING_INPUT naming the source when no snapshot is old enough', async () => {
    await land('transactions', '2024-01-20', TRANSACTIONS);
    await land('customers', '2024-01-25', customers('Gold'));
    await land('products', '2024-01-01', PRODUCTS);
    const error = await transformDate({ lake, runId: 'test', date: '2024-01-20' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'InputError',
      code: 'MISSING_INPUT',
      location: { source: 'customers' },
    });
    expect((error as Error).message).toContain('2024-01-20');
  });

  it("fails with MISSING_INPUT when the date's transactions were not landed", async () => {
    await land('customers', '2024-01-20', customers('Gold'));
    await land('products', '2024-01-20', PRODUCTS);
    await expect(transformDate({ lake, runId: 'test', date: '2024-01-20' })).rejects.toMatchObject({
      code: 'MISSING_INPUT',
      location: { source: 'transactions', key: lakeKeys.landing('transactions', '2024-01-20') },
    });
  });

  it('reads the landing keys it is given instead of looking for them', async () => {
    await lake.storage.put('elsewhere/tx.csv', TRANSACTIONS);
    await lake.storage.put('elsewhere/customers.csv', customers('Silver'));
    await lake.storage.put('elsewhere/products.csv', PRODUCTS);
    const result = await transformDate({
      lake,
      runId: 'test',
      date: '2024-01-20',
      landingKeys: {
        transactions: 'elsewhere/tx.csv',
        customers: 'elsewhere/customers.csv',
        products: 'elsewhere/products.csv',
      },
    });
    expect(result.inputs.map((input) => input.key)).toEqual([
      'elsewhere/tx.csv',
      'elsewhere/customers.csv',
      'elsewhere/products.csv',
    ]);
    expect(result.metrics.enrich).toEqual({ customers_matched: 1, products_matched: 1 });
  });

  it("takes the inputs' rows, bytes and sha256 from their .meta.json, else computes them", async () => {
    await land('transactions', '2024-01-20', TRANSACTIONS);
    await land('customers', '2024-01-20', customers('Gold'));
    await land('products', '2024-01-20', PRODUCTS);
    const meta = { rowCount: 41, bytes: 999, sha256: 'a'.repeat(64), source: 'transactions' };
    await lake.writeJson(lakeKeys.landingMeta('transactions', '2024-01-20'), meta);
    const result = await transformDate({ lake, runId: 'test', date: '2024-01-20' });
    expect(result.inputs).toEqual([
      { key: lakeKeys.landing('transactions', '2024-01-20'), rows: 41, bytes: 999, sha256: 'a'.repeat(64) },
      {
        key: lakeKeys.landing('customers', '2024-01-20'),
        rows: 1,
        bytes: customers('Gold').length,
        sha256: sha(customers('Gold')),
      },
      {
        key: lakeKeys.landing('products', '2024-01-20'),
        rows: 1,
        bytes: PRODUCTS.length,
        sha256: sha(PRODUCTS),
      },
    ]);
  });

  it('returns the written objects with their rows, bytes and checksums', async () => {
    await land('transactions', '2024-01-20', TRANSACTIONS);
    await land('customers', '2024-01-20', customers('Gold'));
    await land('products', '2024-01-20', PRODUCTS);
    const { outputs } = await transformDate({ lake, runId: 'test', date: '2024-01-20' });
    expect(Object.values(outputs).map((ref) => ref.key)).toEqual([
      lakeKeys.cleaned('2024-01-20'),
      lakeKeys.enriched('2024-01-20'),
      lakeKeys.dailySummary('2024-01-20'),
    ]);
    for (const ref of Object.values(outputs)) {
      const bytes = await lake.storage.get(ref.key);
      expect(ref).toMatchObject({ rows: 1, bytes: bytes.length, sha256: sha(bytes.toString('utf8')) });
    }
  });
});

describe('transformDate: all or nothing', () => {
  beforeEach(async () => {
    await land('customers', '2024-01-20', customers('Gold'));
    await land('products', '2024-01-20', PRODUCTS);
  });

  async function outputs(): Promise<(string | undefined)[]> {
    const keys = [lakeKeys.cleaned, lakeKeys.enriched, lakeKeys.dailySummary].map((key) => key('2024-01-20'));
    return Promise.all(
      keys.map(async (key) =>
        (await lake.storage.exists(key)) ? (await lake.storage.get(key)).toString() : undefined,
      ),
    );
  }

  it('leaves the outputs of an earlier run untouched when a later batch fails', async () => {
    await land('transactions', '2024-01-20', TRANSACTIONS);
    await transformDate({ lake, runId: 'first', date: '2024-01-20' });
    const before = await outputs();
    const good = Array.from({ length: 50 }, (_, i) => `T${i},2024-01-20 10:00:00,C1,Widget A,1,25,EU,25`);
    await land(
      'transactions',
      '2024-01-20',
      `${HEADER}\n${good.join('\n')}\nT99,2024-01-20 10:00:00,C1,Widget A,1,25,EU,oops\n`,
    );
    await expect(
      transformDate({ lake, runId: 'second', date: '2024-01-20', batchSize: 10 }),
    ).rejects.toMatchObject({
      code: 'INVALID_NUMBER',
      location: { row: 51 },
    });
    expect(await outputs()).toEqual(before);
  });

  it('writes nothing when aborted', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => `T${i},2024-01-20 10:00:00,C1,Widget A,1,25,EU,25`);
    await land('transactions', '2024-01-20', `${HEADER}\n${rows.join('\n')}\n`);
    const controller = new AbortController();
    const run = transformDate({
      lake,
      runId: 'test',
      date: '2024-01-20',
      batchSize: 10,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.stage === 'transactions' && progress.rows >= 30) controller.abort(new Error('stop'));
      },
    });
    await expect(run).rejects.toThrow('stop');
    expect(await outputs()).toEqual([undefined, undefined, undefined]);
  });

  it('refuses an invalid date', async () => {
    await expect(transformDate({ lake, runId: 'test', date: '2024-02-30' })).rejects.toMatchObject({
      code: 'INVALID_DATE',
    });
  });
});
