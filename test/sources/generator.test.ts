import { describe, expect, it } from 'vitest';
import {
  defectCounts,
  defectOptions,
  defectRates,
  PRODUCTS,
  REGIONS,
  roundHalfEven,
  SEGMENTS,
} from '../../pipelines/sales_etl/generator.ts';
import { type GenerateRequest, generateTable } from '../../src/lib/ingest/generate.ts';
import { validateTable } from '../../src/lib/ingest/validate.ts';
import type { CsvTable } from '../../src/lib/lake/csv.ts';
import { SALES_SOURCES, type SalesSource, salesSource } from '../helpers/sales-etl.ts';

const DATE = '2024-01-15';
const NO_DEFECTS = { nullRegions: 0, duplicateIds: 0, negativeAmounts: 0, messyProducts: 0 };

/** The rows sales_etl's generator makes for `source`, as ingestion runs it. */
const generateRows = (source: SalesSource, request: GenerateRequest): CsvTable =>
  generateTable(source, salesSource(source), request);

async function collect(
  table: CsvTable,
): Promise<{ header: string[]; rows: string[][]; batchSizes: number[] }> {
  const rows: string[][] = [];
  const batchSizes: number[] = [];
  for await (const batch of table.batches) {
    batchSizes.push(batch.length);
    rows.push(...batch);
  }
  return { header: table.header, rows, batchSizes };
}

/** Python's `str.strip().str.title()` for the catalog's names (words of letters). */
const strippedTitle = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/\b[a-z]/g, (c) => c.toUpperCase());

describe('sales_etl generator: transactions', () => {
  it("writes the seed's columns and value formats for the run's date", async () => {
    const { header, rows } = await collect(
      generateRows('transactions', { date: DATE, records: 500, options: NO_DEFECTS }),
    );
    expect(header).toEqual([
      'transaction_id',
      'timestamp',
      'customer_id',
      'product',
      'quantity',
      'unit_price',
      'region',
      'total_amount',
    ]);
    expect(rows).toHaveLength(500);
    expect(rows[0]?.[0]).toBe('TXN20240115000000');
    expect(rows[499]?.[0]).toBe('TXN20240115000499');
    for (const [id, timestamp, customer, product, quantity, unitPrice, region, total] of rows as string[][]) {
      expect(id).toMatch(/^TXN20240115\d{6}$/);
      expect(timestamp).toMatch(/^2024-01-15 ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/);
      const customerNumber = Number(customer?.slice(4));
      expect(customer).toMatch(/^CUST\d{4}$/);
      expect(customerNumber >= 1000 && customerNumber <= 9998).toBe(true);
      expect(PRODUCTS).toContain(product);
      expect(['1', '2', '3', '4', '5', '6', '7', '8', '9']).toContain(quantity);
      const price = Number(unitPrice);
      expect(price >= 10 && price <= 500).toBe(true);
      expect(unitPrice).toMatch(/^\d+(\.\d{1,2})?$/);
      expect(REGIONS).toContain(region);
      // A plain float product, written as JavaScript (and Python's repr) writes it.
      expect(total).toBe(String(Number(quantity) * price));
    }
  });

  it('streams in batches of 512 rows, or of the size asked for', async () => {
    const { rows, batchSizes } = await collect(generateRows('transactions', { date: DATE, records: 5000 }));
    expect(rows).toHaveLength(5000);
    expect(batchSizes).toEqual([...Array.from({ length: 9 }, () => 512), 392]);
    const large = await collect(generateRows('transactions', { date: DATE, records: 5000, batchSize: 2048 }));
    expect(large.batchSizes).toEqual([2048, 2048, 904]);
    expect(large.rows).toEqual(rows);
  });

  it('defaults to 1000 records with the default defect rates, each an exact count', async () => {
    const { rows } = await collect(generateRows('transactions', { date: DATE }));
    expect(rows).toHaveLength(1000);
    expect(defectCounts(1000, defectRates(defectOptions.parse({})))).toEqual({
      nullRegions: 20,
      duplicateIds: 10,
      negativeAmounts: 5,
      messyProducts: 50,
    });
    expect(rows.filter((row) => row[6] === '')).toHaveLength(20);
    expect(new Set(rows.map((row) => row[0])).size).toBe(990);
    const negative = rows.filter((row) => Number(row[4]) < 0);
    expect(negative).toHaveLength(5);
    for (const row of negative) expect(Number(row[7])).toBeLessThan(0);
    const messy = rows.filter((row) => !PRODUCTS.includes(row[3] as string));
    expect(messy).toHaveLength(50);
    // Every messy name is one the seed's cleaning (strip, title case) turns back into a catalog name.
    for (const row of messy) expect(PRODUCTS).toContain(strippedTitle(row[3] as string));
  });

  it.each([
    ['only nullRegions set', { ...NO_DEFECTS, nullRegions: 0.02 }],
    ['defects=none', { defects: 'none' }],
  ])("is the seed's generator with %s: 2%% empty regions and nothing else spoiled", async (_, options) => {
    const { rows } = await collect(generateRows('transactions', { date: DATE, options }));
    expect(rows.filter((row) => row[6] === '')).toHaveLength(20);
    expect(new Set(rows.map((row) => row[0])).size).toBe(1000);
    expect(rows.every((row) => Number(row[4]) > 0)).toBe(true);
    expect(rows.every((row) => PRODUCTS.includes(row[3] as string))).toBe(true);
  });

  it('draws each defect from its own stream: changing one rate changes only its column', async () => {
    const clean = await collect(generateRows('transactions', { date: DATE, options: NO_DEFECTS }));
    const withNulls = await collect(
      generateRows('transactions', { date: DATE, options: { ...NO_DEFECTS, nullRegions: 0.1 } }),
    );
    const changed = withNulls.rows.filter((row, i) => row.join() !== clean.rows[i]?.join());
    expect(changed).toHaveLength(100);
    expect(changed.every((row) => row[6] === '')).toBe(true);
  });

  it('gives the same rows for the same options and different rows for another seed or date', async () => {
    const options = { date: DATE, records: 300, seed: 7 };
    const first = await collect(generateRows('transactions', options));
    const second = await collect(generateRows('transactions', options));
    expect(second.rows).toEqual(first.rows);
    const otherSeed = await collect(generateRows('transactions', { ...options, seed: 8 }));
    expect(otherSeed.rows).not.toEqual(first.rows);
    const otherDate = await collect(generateRows('transactions', { ...options, date: '2024-01-16' }));
    expect(otherDate.rows[0]?.[0]).toBe('TXN20240116000000');
    expect(otherDate.rows.map((row) => row[2])).not.toEqual(first.rows.map((row) => row[2]));
  });

  it('refuses bad options with InputError codes', () => {
    expect(() => generateRows('transactions', { date: '2024-02-30' })).toThrow(
      expect.objectContaining({ code: 'INVALID_DATE' }),
    );
    expect(() => generateRows('transactions', { date: DATE, records: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    expect(() => generateRows('transactions', { date: DATE, options: { nullRegions: 1.5 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', location: { source: 'transactions' } }),
    );
    // Options are the generator's own: a misspelt rate, or options for a generator without any.
    expect(() => generateRows('transactions', { date: DATE, options: { nullRegion: 0.1 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    expect(() => generateRows('products', { date: DATE, options: { nullRegions: 0.1 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', location: { source: 'products' } }),
    );
  });
});

describe('sales_etl generator: dimensions', () => {
  it("writes the seed's customers: ids from CUST1000, weighted segments, join dates, lifetime values", async () => {
    const { header, rows } = await collect(generateRows('customers', { date: DATE }));
    expect(header).toEqual(['customer_id', 'customer_name', 'segment', 'join_date', 'lifetime_value']);
    expect(rows).toHaveLength(1000);
    expect(rows[0]?.slice(0, 2)).toEqual(['CUST1000', 'Customer 1']);
    expect(rows[999]?.slice(0, 2)).toEqual(['CUST1999', 'Customer 1000']);
    const first = Date.UTC(2020, 0, 1);
    for (const [, , segment, joinDate, lifetimeValue] of rows as string[][]) {
      expect(SEGMENTS).toContain(segment);
      expect(joinDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const days = (Date.parse(`${joinDate}T00:00:00Z`) - first) / 86_400_000;
      expect(days >= 0 && days <= 1499).toBe(true);
      expect(lifetimeValue).toMatch(/^\d+(\.\d{1,2})?$/);
    }
    const bronze = rows.filter((row) => row[2] === 'Bronze').length;
    const platinum = rows.filter((row) => row[2] === 'Platinum').length;
    expect(bronze).toBeGreaterThan(330); // weight 0.4
    expect(platinum).toBeLessThan(90); // weight 0.05
  });

  it('writes the fixed 5-row product catalog whatever the record count', async () => {
    const { header, rows } = await collect(generateRows('products', { date: DATE, records: 99 }));
    expect(header).toEqual(['product', 'category', 'cost', 'active']);
    expect(rows).toEqual([
      ['Widget A', 'Hardware', '25', 'true'],
      ['Widget B', 'Hardware', '45', 'true'],
      ['Gadget X', 'Electronics', '120', 'true'],
      ['Gadget Y', 'Electronics', '85', 'true'],
      ['Service Z', 'Services', '50', 'true'],
    ]);
  });

  it.each(SALES_SOURCES)('generates %s rows that pass validation for their date', async (source) => {
    const summary = await validateTable(generateRows(source, { date: DATE }), source, salesSource(source), {
      date: DATE,
    });
    expect(summary.valid).toBe(true);
    expect(summary.rowCount).toBe(source === 'products' ? 5 : 1000);
    expect(summary.columnCount).toBe(Object.keys(salesSource(source).schema).length);
    // Empty regions are the only nulls, and region is not a required column.
    expect(summary.warnings).toEqual([]);
  });
});

describe('roundHalfEven', () => {
  it("rounds as numpy's np.round: halves to even, after scaling", () => {
    expect(roundHalfEven(0.125, 2)).toBe(0.12);
    expect(roundHalfEven(0.375, 2)).toBe(0.38);
    expect(roundHalfEven(2.5, 0)).toBe(2);
    expect(roundHalfEven(-2.5, 0)).toBe(-2);
    expect(roundHalfEven(-3.5, 0)).toBe(-4);
    expect(roundHalfEven(123.456, 2)).toBe(123.46);
  });
});
