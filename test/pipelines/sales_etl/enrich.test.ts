import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { DataLake } from '../../../src/lib/lake/data-lake.ts';
import { land, outputOf, readRecords, transformSales } from '../../helpers/sales-etl.ts';
import { createTempLake, type TempLake } from '../../helpers/temp-lake.ts';

// Worked out by hand from the seed's enrich_transactions and create_daily_summary, which sales_etl's
// definition spells as lookup/fillNull/derive → write('enriched') → aggregate/derive → write('daily_summary').
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

let temp: TempLake | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function lakeWith(
  transactions: string[],
  customers = CUSTOMERS,
  products = PRODUCTS,
): Promise<DataLake> {
  await temp?.cleanup();
  temp = await createTempLake();
  const { lake } = temp;
  await land(lake, 'transactions', DATE, `${[HEADER, ...transactions].join('\n')}\n`);
  await land(lake, 'customers', DATE, `${customers}\n`);
  await land(lake, 'products', DATE, `${products}\n`);
  return lake;
}

async function enrich(transactions: string[]) {
  const lake = await lakeWith(transactions);
  const result = await transformSales(lake, DATE);
  const enrichedKey = outputOf(result, 'enriched').key;
  return {
    result,
    enriched: await readRecords(lake, enrichedKey),
    summary: await readRecords(lake, outputOf(result, 'daily_summary').key),
    header: (await lake.readCsvRows(enrichedKey)).header,
  };
}

const pick = (record: Record<string, string>, ...names: string[]) => names.map((name) => record[name]);

describe('sales_etl transform: enrichment', () => {
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
    // The seed counted segment != 'Unknown' (1 here). The steps count what they did: C2 and C3 are
    // in the snapshot (3 matched, C9 not), and two segments (C9's, C2's null) were filled.
    expect(result.metrics.lookup_customers).toEqual({ matched: 3, unmatched: 1 });
    expect(result.metrics.fill_null_2).toEqual({ filled_segment: 2, filled_lifetime_value: 2 });
    expect(enriched.filter((r) => r.segment !== 'Unknown')).toHaveLength(1);
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
    // The seed counted notna(category): 3. The lookup counts joined rows: Widget C (null category)
    // is in the catalog, the unknown product is not.
    expect(result.metrics.lookup_products).toEqual({ matched: 4, unmatched: 1 });
    expect(enriched.filter((r) => r.category !== '')).toHaveLength(3);
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
    await expect(transformSales(lake, DATE)).rejects.toMatchObject({
      code: 'DUPLICATE_KEY',
      location: { source: 'customers', row: 5 },
    });
    lake = await lakeWith([], CUSTOMERS, `${PRODUCTS}\n,A,1,True\nNA,B,2,True`);
    await expect(transformSales(lake, DATE)).rejects.toMatchObject({
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
    await expect(transformSales(new DataLake(storage), DATE)).rejects.toMatchObject({
      code: 'DUPLICATE_KEY',
    });
    expect(opened).toHaveLength(3);
    await Promise.all(opened.map((stream) => (stream.destroyed ? undefined : once(stream, 'close'))));
    expect(opened.every((stream) => stream.destroyed)).toBe(true);
  });

  it('refuses a product cost that is not a number', async () => {
    const lake = await lakeWith([], CUSTOMERS, `${PRODUCTS}\nOdd,Hardware,cheap,True`);
    await expect(transformSales(lake, DATE)).rejects.toMatchObject({
      code: 'INVALID_NUMBER',
      location: { column: 'cost', row: 5 },
    });
  });
});

describe('sales_etl transform: daily summary', () => {
  it('groups by date, region, category, drops null keys and sorts by them', async () => {
    const { summary, enriched, result } = await enrich([
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
    // The seed's totals (revenue 370.5, profit 40.5 over every enriched row, 2 dates) are no longer
    // metrics: the aggregate counts its groups and the rows left out for a null key (T5's unknown
    // product, T6's NaT, T8's null category). The totals are still those of the enriched rows.
    expect(result.metrics.aggregate).toEqual({ groups: 3, rows_without_key: 3 });
    const total = (column: string) => enriched.reduce((sum, r) => sum + (Number(r[column]) || 0), 0);
    expect(total('total_amount')).toBeCloseTo(370.5, 9);
    expect(total('profit')).toBeCloseTo(40.5, 9);
    expect(new Set(enriched.map((r) => r.date).filter((date) => date !== '')).size).toBe(2);
  });

  it('writes only the header for a day without transactions', async () => {
    const { summary, result } = await enrich([]);
    expect(summary).toEqual([]);
    expect(outputOf(result, 'daily_summary').rows).toBe(0);
    expect(result.metrics.aggregate).toEqual({ groups: 0, rows_without_key: 0 });
  });
});
