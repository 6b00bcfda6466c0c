import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransformProgress } from '../../../src/lib/engine/run-transform.ts';
import { cleanCounts, land, outputOf, transformSales } from '../../helpers/sales-etl.ts';
import { createTempLake } from '../../helpers/temp-lake.ts';

const DATE = '2024-01-20';
const ROWS = 10_000;
const PRODUCTS = [
  'Widget A',
  'Widget B',
  'Gadget X',
  'Gadget Y',
  'Service Z',
  '  widget a ',
  'GADGET-X',
  'Nope',
];
const REGIONS = ['US-East', 'US-West', 'EU', 'APAC', '', 'NA'];

/** Seed-like transactions with every defect the cleaning handles, from a fixed LCG. */
function transactions(): string {
  let state = 42;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const lines = ['transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount'];
  for (let i = 0; i < ROWS; i++) {
    const id = next(50) === 0 ? `TXN${next(Math.max(i, 1))}` : `TXN${i}`;
    const seconds = next(86_400);
    const time = `${String(Math.floor(seconds / 3600)).padStart(2, '0')}:${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
    const day = next(10) === 0 ? '2024-01-21' : DATE;
    const quantity = 1 + next(9);
    const price = (1000 + next(49_000)) / 100;
    const amount = next(100) === 0 ? -quantity * price : next(100) === 0 ? '' : quantity * price;
    const product = PRODUCTS[next(PRODUCTS.length)];
    const region = REGIONS[next(REGIONS.length)];
    lines.push(
      `${id},${day} ${time},CUST${1000 + next(400)},${product},${quantity},${price},${region},${amount}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function run(batchSize: number) {
  const temp = await createTempLake();
  const { lake } = temp;
  await land(lake, 'transactions', DATE, transactions());
  const customers = Array.from({ length: 300 }, (_, i) => `CUST${1000 + i},C${i},Gold,2020-01-01,${i * 1.5}`);
  await land(
    lake,
    'customers',
    DATE,
    `customer_id,customer_name,segment,join_date,lifetime_value\n${customers.join('\n')}\n`,
  );
  await land(
    lake,
    'products',
    DATE,
    'product,category,cost,active\nWidget A,Hardware,25,True\nWidget B,Hardware,45,True\nGadget X,Electronics,120,True\nGadget Y,Electronics,85,True\nService Z,Services,50,True\n',
  );
  const progress: TransformProgress[] = [];
  const result = await transformSales(lake, DATE, { batchSize, onProgress: (p) => progress.push(p) });
  const objects = await Promise.all(
    Object.values(result.outputs).map(async (ref) => (await lake.storage.get(ref.key)).toString('utf8')),
  );
  const staging = await readdir(path.join(temp.dir, '.staging')).catch(() => []);
  return { temp, result, objects, progress, staging };
}

describe('sales_etl transform: streaming', () => {
  let many: Awaited<ReturnType<typeof run>>;
  let one: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    many = await run(1000);
    one = await run(1_000_000);
  });
  afterAll(async () => {
    await Promise.all([many, one].map((r) => r?.temp.cleanup()));
  });

  it('writes the same objects batch by batch as in one batch', () => {
    expect(many.objects.map((text) => text.length)).toEqual(one.objects.map((text) => text.length));
    expect(many.objects).toEqual(one.objects);
    expect(many.result).toEqual(one.result);
  });

  it('has cleaning to do and keeps every cleaned row through enrichment', () => {
    const clean = cleanCounts(many.result.metrics);
    expect(clean.initial_rows).toBe(ROWS);
    expect(clean.after_dedup).toBeLessThan(ROWS);
    expect(clean.invalid_amounts_removed).toBeGreaterThan(0);
    expect(clean.null_regions_filled).toBeGreaterThan(0);
    expect(outputOf(many.result, 'enriched').rows).toBe(clean.final_rows);
    expect(outputOf(many.result, 'cleaned').rows).toBe(clean.final_rows);
  });

  it('reports progress once per batch and leaves no staging files', () => {
    const batches = many.progress.filter((p) => p.stage === 'rows');
    expect(batches.map((p) => p.rows)).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 1000));
    expect(many.progress[0]).toEqual({ stage: 'dimensions', rows: 305 });
    expect(many.progress.at(-1)?.stage).toBe('aggregates');
    expect(many.staging).toEqual([]);
  });
});
