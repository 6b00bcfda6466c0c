import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DataLake } from '../../../src/lib/lake/data-lake.ts';
import {
  datasetKey,
  land as landIn,
  landingKey,
  landingMetaKey,
  outputOf,
  SALES_DATASETS,
  type SalesSource,
  transformSales,
} from '../../helpers/sales-etl.ts';
import { createTempLake, type TempLake } from '../../helpers/temp-lake.ts';

const HEADER = 'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount';
const TRANSACTIONS = `${HEADER}\nT1,2024-01-20 10:00:00,C1,Widget A,2,25,EU,60\n`;
const customers = (segment: string) =>
  `customer_id,customer_name,segment,join_date,lifetime_value\nC1,One,${segment},2020-01-01,1\n`;
const PRODUCTS = 'product,category,cost,active\nWidget A,Hardware,25,True\n';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

let temp: TempLake;
let lake: DataLake;
beforeEach(async () => {
  temp = await createTempLake();
  lake = temp.lake;
});
afterEach(() => temp.cleanup());

const land = (source: SalesSource, date: string, text: string) => landIn(lake, source, date, text);

async function segmentOf(date: string): Promise<string | undefined> {
  const result = await transformSales(lake, date);
  const { header, rows } = await lake.readCsvRows(outputOf(result, 'enriched').key);
  return rows[0]?.[header.indexOf('segment')];
}

describe('sales_etl transform: inputs', () => {
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
    const error = await transformSales(lake, '2024-01-20').catch((e: unknown) => e);
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
    await expect(transformSales(lake, '2024-01-20')).rejects.toMatchObject({
      code: 'MISSING_INPUT',
      location: { source: 'transactions', key: landingKey('transactions', '2024-01-20') },
    });
  });

  it("reads only its own pipeline's landing objects", async () => {
    // The same files under another pipeline's namespace (and the old, unnamespaced keys) are not inputs.
    for (const prefix of ['other_pipeline/', '']) {
      await lake.storage.put(`${prefix}landing/transactions/date=2024-01-20/transactions.csv`, TRANSACTIONS);
      await lake.storage.put(`${prefix}landing/customers/date=2024-01-20/customers.csv`, customers('Gold'));
      await lake.storage.put(`${prefix}landing/products/date=2024-01-20/products.csv`, PRODUCTS);
    }
    await expect(transformSales(lake, '2024-01-20')).rejects.toMatchObject({ code: 'MISSING_INPUT' });
  });

  it('reads the landing keys it is given instead of looking for them', async () => {
    await lake.storage.put('elsewhere/tx.csv', TRANSACTIONS);
    await lake.storage.put('elsewhere/customers.csv', customers('Silver'));
    await lake.storage.put('elsewhere/products.csv', PRODUCTS);
    const result = await transformSales(lake, '2024-01-20', {
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
    // The seed's { customers_matched: 1, products_matched: 1 }, as the lookups count.
    expect(result.metrics.lookup_customers).toEqual({ matched: 1, unmatched: 0 });
    expect(result.metrics.lookup_products).toEqual({ matched: 1, unmatched: 0 });
  });

  it("takes the inputs' rows, bytes and sha256 from their .meta.json, else computes them", async () => {
    await land('transactions', '2024-01-20', TRANSACTIONS);
    await land('customers', '2024-01-20', customers('Gold'));
    await land('products', '2024-01-20', PRODUCTS);
    const meta = { rowCount: 41, bytes: 999, sha256: 'a'.repeat(64), source: 'transactions' };
    await lake.writeJson(landingMetaKey('transactions', '2024-01-20'), meta);
    const result = await transformSales(lake, '2024-01-20');
    expect(result.inputs).toEqual([
      { key: landingKey('transactions', '2024-01-20'), rows: 41, bytes: 999, sha256: 'a'.repeat(64) },
      {
        key: landingKey('customers', '2024-01-20'),
        rows: 1,
        bytes: customers('Gold').length,
        sha256: sha(customers('Gold')),
      },
      {
        key: landingKey('products', '2024-01-20'),
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
    const { outputs } = await transformSales(lake, '2024-01-20');
    expect(Object.keys(outputs)).toEqual([...SALES_DATASETS]);
    expect(Object.values(outputs).map((ref) => ref.key)).toEqual([
      'sales_etl/datasets/cleaned/date=2024-01-20/cleaned.csv',
      'sales_etl/datasets/enriched/date=2024-01-20/enriched.csv',
      'sales_etl/datasets/daily_summary/date=2024-01-20/daily_summary.csv',
    ]);
    for (const ref of Object.values(outputs)) {
      const bytes = await lake.storage.get(ref.key);
      expect(ref).toMatchObject({ rows: 1, bytes: bytes.length, sha256: sha(bytes.toString('utf8')) });
    }
  });
});

describe('sales_etl transform: all or nothing', () => {
  beforeEach(async () => {
    await land('customers', '2024-01-20', customers('Gold'));
    await land('products', '2024-01-20', PRODUCTS);
  });

  async function outputs(): Promise<(string | undefined)[]> {
    const keys = SALES_DATASETS.map((dataset) => datasetKey(dataset, '2024-01-20'));
    return Promise.all(
      keys.map(async (key) =>
        (await lake.storage.exists(key)) ? (await lake.storage.get(key)).toString() : undefined,
      ),
    );
  }

  it('leaves the outputs of an earlier run untouched when a later batch fails', async () => {
    await land('transactions', '2024-01-20', TRANSACTIONS);
    await transformSales(lake, '2024-01-20', { runId: 'first' });
    const before = await outputs();
    expect(before.every((text) => text !== undefined)).toBe(true);
    const good = Array.from({ length: 50 }, (_, i) => `T${i},2024-01-20 10:00:00,C1,Widget A,1,25,EU,25`);
    await land(
      'transactions',
      '2024-01-20',
      `${HEADER}\n${good.join('\n')}\nT99,2024-01-20 10:00:00,C1,Widget A,1,25,EU,oops\n`,
    );
    await expect(
      transformSales(lake, '2024-01-20', { runId: 'second', batchSize: 10 }),
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
    const run = transformSales(lake, '2024-01-20', {
      batchSize: 10,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.stage === 'rows' && progress.rows >= 30) controller.abort(new Error('stop'));
      },
    });
    await expect(run).rejects.toThrow('stop');
    expect(await outputs()).toEqual([undefined, undefined, undefined]);
  });

  it('refuses an invalid date', async () => {
    await expect(transformSales(lake, '2024-02-30')).rejects.toMatchObject({
      code: 'INVALID_DATE',
    });
  });
});
