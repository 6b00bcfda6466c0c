import { afterEach, describe, expect, it } from 'vitest';
import type { DataLake } from '../../../src/lib/lake/data-lake.ts';
import { land, outputOf, readRecords, transformSales } from '../../helpers/sales-etl.ts';
import { createTempLake, type TempLake } from '../../helpers/temp-lake.ts';

// Every expectation here is worked out by hand from the seed's clean_transactions, which sales_etl's
// definition spells as dedupe → fillNull → text → parse → derive → filter → write('cleaned').
const DATE = '2024-01-20';
const HEADER = 'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount';
const CUSTOMERS = 'customer_id,customer_name,segment,join_date,lifetime_value\nC1,One,Gold,2020-01-01,100\n';
const PRODUCTS = 'product,category,cost,active\nWidget A,Hardware,25,True\n';

let temp: TempLake | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

async function lakeWith(transactions: string[], header = HEADER): Promise<DataLake> {
  await temp?.cleanup();
  temp = await createTempLake();
  const { lake } = temp;
  await land(lake, 'transactions', DATE, `${[header, ...transactions].join('\n')}\n`);
  await land(lake, 'customers', DATE, CUSTOMERS);
  await land(lake, 'products', DATE, PRODUCTS);
  return lake;
}

/** Runs the transform and returns the cleaned rows as records. */
async function clean(transactions: string[], header = HEADER) {
  const lake = await lakeWith(transactions, header);
  const result = await transformSales(lake, DATE);
  const key = outputOf(result, 'cleaned').key;
  return {
    result,
    lake,
    header: (await lake.readCsvRows(key)).header,
    records: await readRecords(lake, key),
  };
}

describe('sales_etl transform: cleaning', () => {
  it('appends date, hour, day_of_week, is_weekend to the transaction columns', async () => {
    const { header } = await clean([]);
    expect(header).toEqual([...HEADER.split(','), 'date', 'hour', 'day_of_week', 'is_weekend']);
  });

  it('drops repeated transaction ids keeping the first, nulls equal, before the negative filter', async () => {
    const { records, result } = await clean([
      'T1,2024-01-20 10:00:00,C1,Widget A,1,5,EU,-5',
      'T1,2024-01-20 11:00:00,C1,Widget A,1,5,EU,5',
      'T2,2024-01-20 12:00:00,C1,Widget A,1,6,EU,6',
      ',2024-01-20 13:00:00,C1,Widget A,1,7,EU,7',
      'NA,2024-01-20 14:00:00,C1,Widget A,1,8,EU,8',
      'T2,2024-01-20 15:00:00,C1,Widget A,1,9,EU,9',
    ]);
    // T1's first row is negative, so T1 disappears entirely: its second row was a duplicate.
    expect(records.map((r) => [r.transaction_id, r.total_amount])).toEqual([
      ['T2', '6'],
      ['', '7'],
    ]);
    // The seed's clean metrics (initial 6, after dedup 3, 0 regions filled, 1 negative removed, 2
    // final), as the steps report them.
    expect(result.metrics.read).toEqual({ rows: 6 });
    expect(result.metrics.dedupe).toEqual({ removed: 3 });
    expect(result.metrics.fill_null).toEqual({ filled_region: 0 });
    expect(result.metrics.filter).toEqual({ removed: 1 });
    expect(result.metrics.write_cleaned).toEqual({ rows: 2 });
  });

  it("fills null regions with 'Unknown', counted after dedup and before the negative filter", async () => {
    const { records, result } = await clean([
      'T1,2024-01-20 10:00:00,C1,Widget A,1,5,,5',
      'T2,2024-01-20 10:00:00,C1,Widget A,1,5,NA,5',
      'T3,2024-01-20 10:00:00,C1,Widget A,1,5,null,-5',
      'T1,2024-01-20 10:00:00,C1,Widget A,1,5,N/A,5',
      'T4,2024-01-20 10:00:00,C1,Widget A,1,5, EU,5',
      'T5,2024-01-20 10:00:00,C1,Widget A,1,5,none,5',
    ]);
    expect(records.map((r) => r.region)).toEqual(['Unknown', 'Unknown', ' EU', 'none']);
    expect(result.metrics.fill_null?.filled_region).toBe(3);
  });

  it('strips and title-cases product names as Python does; a null product stays null', async () => {
    const { records } = await clean([
      'T1,2024-01-20 10:00:00,C1,  widget a ,1,5,EU,5',
      'T2,2024-01-20 10:00:00,C1,gadget-x,1,5,EU,5',
      "T3,2024-01-20 10:00:00,C1,o'neil 3d widget,1,5,EU,5",
      'T4,2024-01-20 10:00:00,C1,SERVICE Z,1,5,EU,5',
      'T5,2024-01-20 10:00:00,C1,NA,1,5,EU,5',
      'T6,2024-01-20 10:00:00,C1,   ,1,5,EU,5',
    ]);
    expect(records.map((r) => r.product)).toEqual([
      'Widget A',
      'Gadget-X',
      "O'Neil 3D Widget",
      'Service Z',
      '',
      '',
    ]);
  });

  it('rewrites timestamps as YYYY-MM-DD HH:MM:SS and derives date, hour, weekday, weekend', async () => {
    const { records } = await clean([
      'T1,2024-01-20T07:05:09,C1,Widget A,1,5,EU,5',
      'T2,2024-01-19 23:59:59,C1,Widget A,1,5,EU,5',
      'T3,2024-01-21,C1,Widget A,1,5,EU,5',
      'T4,,C1,Widget A,1,5,EU,5',
      'T5,NaT,C1,Widget A,1,5,EU,5',
    ]);
    expect(records.map((r) => [r.timestamp, r.date, r.hour, r.day_of_week, r.is_weekend])).toEqual([
      ['2024-01-20 07:05:09', '2024-01-20', '7', 'Saturday', 'true'],
      ['2024-01-19 23:59:59', '2024-01-19', '23', 'Friday', 'false'],
      ['2024-01-21 00:00:00', '2024-01-21', '0', 'Sunday', 'true'],
      // NaT: no date, hour or weekday; NaN >= 5 is False.
      ['', '', '', '', 'false'],
      ['', '', '', '', 'false'],
    ]);
  });

  it('drops negative amounts and keeps null and zero ones (NaN < 0 is False)', async () => {
    const { records, result } = await clean([
      'T1,2024-01-20 10:00:00,C1,Widget A,1,5,EU,-0.01',
      'T2,2024-01-20 10:00:00,C1,Widget A,1,5,EU,',
      'T3,2024-01-20 10:00:00,C1,Widget A,1,5,EU,0',
      'T4,2024-01-20 10:00:00,C1,Widget A,1,5,EU,-inf',
    ]);
    expect(records.map((r) => r.transaction_id)).toEqual(['T2', 'T3']);
    expect(result.metrics.filter?.removed).toBe(2);
  });

  it('passes the fields it does not compute through as written', async () => {
    const { records } = await clean(['T1,2024-01-20 10:00:00,null,Widget A,02,10.50,EU,21.0']);
    expect(records[0]).toMatchObject({
      customer_id: 'null',
      quantity: '02',
      unit_price: '10.50',
      total_amount: '21.0',
    });
  });

  it('refuses a text amount anywhere, even in a row dedup would drop (pandas types the column)', async () => {
    const lake = await lakeWith([
      'T1,2024-01-20 10:00:00,C1,Widget A,1,5,EU,5',
      'T1,2024-01-20 10:00:00,C1,Widget A,1,5,EU,five',
    ]);
    await expect(transformSales(lake, DATE)).rejects.toMatchObject({
      code: 'INVALID_NUMBER',
      location: { row: 2, column: 'total_amount' },
    });
  });

  it.each([
    ['T1,2024-02-30 10:00:00,C1,Widget A,1,5,EU,5', 'INVALID_TIMESTAMP'],
    ['T1,2024-01-20 10:00:00,C1,Widget A,x,5,EU,5', 'INVALID_NUMBER'],
  ])('refuses %j with %s', async (row, code) => {
    const lake = await lakeWith([row]);
    await expect(transformSales(lake, DATE)).rejects.toMatchObject({
      code,
      location: { row: 1 },
    });
  });

  it('refuses timestamps that mix UTC offsets, as pandas cannot derive their dates', async () => {
    const lake = await lakeWith([
      'T1,2024-01-20 10:00:00+01:00,C1,Widget A,1,5,EU,5',
      'T2,2024-01-20 10:00:00,C1,Widget A,1,5,EU,5',
    ]);
    await expect(transformSales(lake, DATE)).rejects.toMatchObject({
      code: 'MIXED_TIMEZONES',
      location: { row: 2 },
    });
  });

  it('ignores an invalid timestamp in a dropped duplicate, which pandas never parses', async () => {
    const { records } = await clean([
      'T1,2024-01-20 10:00:00,C1,Widget A,1,5,EU,5',
      'T1,not a time,C1,Widget A,1,5,EU,5',
    ]);
    expect(records).toHaveLength(1);
  });

  it('refuses missing columns and columns a lookup would add', async () => {
    let lake = await lakeWith([], 'transaction_id,timestamp,customer_id,product,quantity,total_amount');
    await expect(transformSales(lake, DATE)).rejects.toMatchObject({
      code: 'MISSING_COLUMN',
      location: { column: 'region' },
    });
    lake = await lakeWith([], `${HEADER},segment`);
    await expect(transformSales(lake, DATE)).rejects.toMatchObject({
      code: 'COLUMN_CONFLICT',
      location: { source: 'transactions', column: 'segment' },
    });
  });

  it('replaces a derived column the input already has, in its place, as pandas assigns', async () => {
    const { lake, result, header, records } = await clean(
      ['T1,2024-01-20 10:00:00,C1,Widget A,2,25,EU,60,old,x'],
      `${HEADER},profit,date`,
    );
    expect(header).toEqual([...HEADER.split(','), 'profit', 'date', 'hour', 'day_of_week', 'is_weekend']);
    expect(records.map((r) => [r.profit, r.date])).toEqual([['old', '2024-01-20']]);
    const enriched = await readRecords(lake, outputOf(result, 'enriched').key);
    // profit = 60 - 25 * 2 = 10, in the input's profit column; no second profit column.
    expect(
      (await lake.readCsvRows(outputOf(result, 'enriched').key)).header.filter((c) => c === 'profit'),
    ).toHaveLength(1);
    expect(enriched.map((r) => [r.profit, r.date, r.profit_margin])).toEqual([['10', '2024-01-20', '16.67']]);
  });
});
