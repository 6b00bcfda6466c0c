import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';
import { transformDate } from '../../src/lib/transform/transform.ts';

// Worked out by hand from the seed's enrich_transactions and create_daily_summary.
const DATE = '2024-01-20';
const HEADER = 'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount';
const CUSTOMERS = [
  'customer_id,customer_name,segment,join_date,lifetime_value',
  'C1,One,Gold,2020-01-01,100.5',
  'C2,Two,,2020-01-01,NA',
  'C3,Three,Unknown,2020-01-01,7',
  ',Ghost,Platinum,2020-01-01,9',
].join('\n');
const PRODUCTS = [
  'product,category,cost,active',
  'Widget A,Hardware,25,True',
  'Gadget X,Electronics,120.0,True',
  'Widget C,,10,True',
  'Free Thing,Promo,,True',
].join('\n');

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

async function lakeWith(
  transactions: string[],
  customers = CUSTOMERS,
  products = PRODUCTS,
): Promise<DataLake> {
  root = await mkdtemp(path.join(tmpdir(), 'transform-enrich-'));
  const lake = new DataLake(new LocalStorage(root));
  await lake.storage.put(lakeKeys.landing('transactions', DATE), `${[HEADER, ...transactions].join('\n')}\n`);
  await lake.storage.put(lakeKeys.landing('customers', DATE), `${customers}\n`);
  await lake.storage.put(lakeKeys.landing('products', DATE), `${products}\n`);
  return lake;
}

async function records(lake: DataLake, key: string) {
  const { header, rows } = await lake.readCsvRows(key);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] as string])));
}

async function enrich(transactions: string[]) {
  const lake = await lakeWith(transactions);
  const result = await transformDate({ lake, runId: 'test', date: DATE });
  return {
    result,
    enriched: await records(lake, result.outputs.enriched.key),
    summary: await records(lake, result.outputs.summary.key),
    header: (await lake.readCsvRows(result.outputs.enriched.key)).header,
  };
}

const pick = (record: Record<string, string>, ...names: string[]) => names.map((name) => record[name]);

describe('transformDate: enrichment', () => {
  it('appends segment, lifetime_value, category, cost, profit, profit_margin after the cleaned columns', async () => {
    const { header, enriched } = await enrich(['T1,2024-01-20 10:00:00,C1,widget a,2,25.5,EU,51']);
    expect(header.slice(-10)).toEqual([
      'date',
      'hour',
      'day_of_week',
      'is_weekend',
      'segment',
      'lifetime_value',
      'category',
      'cost',
      'profit',
      'profit_margin',
    ]);
    // profit = 51 - 25 * 2 = 1; margin = round(1 / 51 * 100, 2) = 1.96
    expect(pick(enriched[0] as Record<string, string>, ...header.slice(-6))).toEqual([
      'Gold',
      '100.5',
      'Hardware',
      '25',
      '1',
      '1.96',
    ]);
  });

  it("fills a missing customer's segment with 'Unknown' and lifetime_value with 0", async () => {
    const { enriched, result } = await enrich([
      'T1,2024-01-20 10:00:00,C9,Widget A,1,25,EU,30',
      'T2,2024-01-20 10:00:00,C2,Widget A,1,25,EU,30',
      'T3,2024-01-20 10:00:00,C3,Widget A,1,25,EU,30',
      'T4,2024-01-20 10:00:00,C1,Widget A,1,25,EU,30',
    ]);
    expect(enriched.map((r) => pick(r, 'segment', 'lifetime_value'))).toEqual([
      ['Unknown', '0'],
      ['Unknown', '0'],
      ['Unknown', '7'],
      ['Gold', '100.5'],
    ]);
    // The seed counts segment != 'Unknown', so a customer whose segment is 'Unknown' is not "matched".
    expect(result.metrics.enrich?.customers_matched).toBe(1);
  });

  it('joins a null customer id to a null-key customer row, as pandas merge does', async () => {
    const { enriched } = await enrich(['T1,2024-01-20 10:00:00,,Widget A,1,25,EU,30']);
    expect(pick(enriched[0] as Record<string, string>, 'segment', 'lifetime_value')).toEqual([
      'Platinum',
      '9',
    ]);
  });

  it('computes profit with a missing cost as 0 and the margin with numpy rounding', async () => {
    const { enriched, result } = await enrich([
      'T1,2024-01-20 10:00:00,C1,Unknown Thing,3,10,EU,30',
      'T2,2024-01-20 10:00:00,C1,Free Thing,1,10,EU,10',
      'T3,2024-01-20 10:00:00,C1,Widget C,1,15,EU,15',
      'T4,2024-01-20 10:00:00,C1,Gadget X,1,120.5,EU,120.5',
      'T5,2024-01-20 10:00:00,C1,Widget A,3,30,EU,90',
    ]);
    expect(enriched.map((r) => pick(r, 'category', 'cost', 'profit', 'profit_margin'))).toEqual([
      ['', '', '30', '100'],
      ['Promo', '', '10', '100'],
      ['', '10', '5', '33.33'],
      ['Electronics', '120.0', '0.5', '0.41'],
      ['Hardware', '25', '15', '16.67'],
    ]);
    // notna(category): the unknown product and Widget C (null category) do not count.
    expect(result.metrics.enrich?.products_matched).toBe(3);
  });

  it('gives an infinite or empty margin for zero amounts and empty profit for null inputs', async () => {
    const { enriched } = await enrich([
      'T1,2024-01-20 10:00:00,C1,Widget A,2,0,EU,0',
      'T2,2024-01-20 10:00:00,C1,Unknown,2,0,EU,0',
      'T3,2024-01-20 10:00:00,C1,Widget A,,0,EU,10',
      'T4,2024-01-20 10:00:00,C1,Widget A,1,0,EU,',
    ]);
    expect(enriched.map((r) => pick(r, 'profit', 'profit_margin'))).toEqual([
      ['-50', '-inf'],
      ['0', ''],
      ['', ''],
      ['', ''],
    ]);
  });

  it('refuses duplicate dimension keys, which would fan out the join', async () => {
    let lake = await lakeWith([], `${CUSTOMERS}\nC1,Again,Silver,2020-01-01,1`);
    await expect(transformDate({ lake, runId: 'test', date: DATE })).rejects.toMatchObject({
      code: 'DUPLICATE_KEY',
      location: { source: 'customers', row: 5 },
    });
    await rm(root as string, { recursive: true, force: true });
    lake = await lakeWith([], CUSTOMERS, `${PRODUCTS}\n,A,1,True\nNA,B,2,True`);
    await expect(transformDate({ lake, runId: 'test', date: DATE })).rejects.toMatchObject({
      code: 'DUPLICATE_KEY',
      location: { source: 'products', column: 'product' },
    });
  });

  it('closes every object it opened when a dimension table is refused', async () => {
    const lake = await lakeWith(
      ['T1,2024-01-20 10:00:00,C1,Widget A,1,5,EU,5'],
      `${CUSTOMERS}\nC1,Again,Silver,2020-01-01,1`,
    );
    // The transactions object opens while the dimensions load: it must be closed too.
    const opened: Readable[] = [];
    const storage = new Proxy(lake.storage, {
      get(target, property) {
        if (property === 'getStream') {
          return async (key: string) => {
            const stream = await target.getStream(key);
            opened.push(stream);
            return stream;
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(
      transformDate({ lake: new DataLake(storage), runId: 'test', date: DATE }),
    ).rejects.toMatchObject({ code: 'DUPLICATE_KEY' });
    expect(opened).toHaveLength(3);
    await Promise.all(opened.map((stream) => (stream.destroyed ? undefined : once(stream, 'close'))));
    expect(opened.every((stream) => stream.destroyed)).toBe(true);
  });

  it('refuses a product cost that is not a number', async () => {
    const lake = await lakeWith([], CUSTOMERS, `${PRODUCTS}\nOdd,Hardware,cheap,True`);
    await expect(transformDate({ lake, runId: 'test', date: DATE })).rejects.toMatchObject({
      code: 'INVALID_NUMBER',
      location: { column: 'cost', row: 5 },
    });
  });
});

describe('transformDate: daily summary', () => {
  it('groups by date, region, category, drops null keys and sorts by them', async () => {
    const { summary, result } = await enrich([
      'T1,2024-01-20 10:00:00,C1,Widget A,2,25,US-East,60',
      'T2,2024-01-20 11:00:00,C2,Widget A,1,25,US-East,30.5',
      'T3,2024-01-20 12:00:00,C1,Widget A,3,25,US-East,80',
      ',2024-01-20 12:30:00,C3,Widget A,1,25,US-East,25',
      'T4,2024-01-19 09:00:00,C1,Gadget X,1,130,,130',
      'T5,2024-01-20 13:00:00,C1,Unknown Thing,1,5,EU,5',
      'T6,,C1,Widget A,1,25,EU,25',
      'T7,2024-01-20 14:00:00,C1,Gadget X,,120,APAC,',
      'T8,2024-01-20 15:00:00,C1,Widget C,1,15,APAC,15',
    ]);
    expect(summary.map((r) => Object.values(r))).toEqual([
      // date, region, category, transaction_count, unique_customers, total_quantity, revenue, profit, avg
      ['2024-01-19', 'Unknown', 'Electronics', '1', '1', '1', '130', '10', '130'],
      // T7: quantity and amount null, skipped by the sums (0 when nothing is left), avg 0 / 1.
      ['2024-01-20', 'APAC', 'Electronics', '1', '1', '0', '0', '0', '0'],
      // The null id is not counted, its customer is; avg = 195.5 / 3 = 65.1666.. -> 65.17.
      ['2024-01-20', 'US-East', 'Hardware', '3', '3', '7', '195.5', '20.5', '65.17'],
    ]);
    // Totals cover every enriched row, grouped or not (the unknown product, NaT).
    expect(result.metrics.aggregate).toEqual({ total_revenue: 370.5, total_profit: 40.5, unique_dates: 2 });
  });

  it('writes only the header for a day without transactions', async () => {
    const { summary, result } = await enrich([]);
    expect(summary).toEqual([]);
    expect(result.outputs.summary.rows).toBe(0);
    expect(result.metrics.aggregate).toEqual({ total_revenue: 0, total_profit: 0, unique_dates: 0 });
  });
});
