import { InputError } from '../errors.ts';
import type { CsvTable, RowBatch } from '../lake/csv.ts';
import { assertIsoDate } from '../lake/keys.ts';
import { type DefectRates, defectRatesSchema } from '../pipeline/jobs.ts';
import { SOURCES, type SourceName } from './definitions.ts';
import { createRng, type Rng, SelectionSampler } from './random.ts';
import { formatDate, formatNumber, formatTimestamp } from './values.ts';

/**
 * The seed's `DataGenerator`, streaming and deterministic: rows come from a PRNG seeded by
 * (seed, source, date), so a re-run of a date lands byte-identical objects, and they arrive in
 * batches, so a million rows never sit in memory.
 */

/** The seed's fixed product catalog: product, category, cost. */
export const PRODUCT_CATALOG: readonly (readonly [string, string, number])[] = [
  ['Widget A', 'Hardware', 25.0],
  ['Widget B', 'Hardware', 45.0],
  ['Gadget X', 'Electronics', 120.0],
  ['Gadget Y', 'Electronics', 85.0],
  ['Service Z', 'Services', 50.0],
];
export const PRODUCTS: readonly string[] = PRODUCT_CATALOG.map(([product]) => product);
export const REGIONS: readonly string[] = ['US-East', 'US-West', 'EU', 'APAC'];
export const SEGMENTS: readonly string[] = ['Bronze', 'Silver', 'Gold', 'Platinum'];
export const SEGMENT_WEIGHTS: readonly number[] = [0.4, 0.35, 0.2, 0.05];

/** The seed's `n_records=1000`, for the sources whose size is not fixed. */
export const DEFAULT_RECORDS = 1000;
const DEFAULT_BATCH = 2048;
/** A duplicate copies the id of one of the last this-many rows, as a retried event would. */
const RECENT_IDS = 100;
const DAY_MS = 86_400_000;
const JOIN_DATE_ORIGIN = Date.UTC(2020, 0, 1);

export interface GenerateOptions {
  /** The run's date, `YYYY-MM-DD`: transaction ids and timestamps fall on it. */
  date: string;
  /** Rows to generate; default 1000. Ignored for products (a fixed 5-row catalog). */
  records?: number;
  /** Default 42, the seed's. */
  seed?: number;
  /** Share of spoiled transaction rows; missing rates take the defaults of `defectRatesSchema`. */
  defects?: Partial<DefectRates>;
  /** Rows per batch; default 2048. */
  batchSize?: number;
}

/** How many rows of each defect {@link generateRows} puts into `records` transactions: exact counts. */
export function defectCounts(records: number, defects: DefectRates): Record<keyof DefectRates, number> {
  // floor(n * rate) is the seed's `int(n_records * 0.02)`. Row 0 has no earlier id to copy.
  return {
    nullRegions: Math.floor(records * defects.nullRegions),
    duplicateIds: Math.min(Math.floor(records * defects.duplicateIds), Math.max(records - 1, 0)),
    negativeAmounts: Math.floor(records * defects.negativeAmounts),
    messyProducts: Math.floor(records * defects.messyProducts),
  };
}

/**
 * Generates a source's rows as the seed does, as a streamed table of text fields written the way the
 * landing CSV holds them.
 * @throws InputError `INVALID_DATE`, `INVALID_OPTIONS` (bad record count or defect rates)
 */
export function generateRows(source: SourceName, options: GenerateOptions): CsvTable {
  const date = assertIsoDate(options.date);
  const records = options.records ?? DEFAULT_RECORDS;
  if (!Number.isSafeInteger(records) || records < 0) {
    throw new InputError(`records must be a non-negative integer, got ${records}`, {
      code: 'INVALID_OPTIONS',
      location: { source },
    });
  }
  const parsed = defectRatesSchema.safeParse(options.defects ?? {});
  if (!parsed.success) {
    throw new InputError(`invalid defect rates: ${parsed.error.message}`, {
      code: 'INVALID_OPTIONS',
      cause: parsed.error,
      location: { source },
    });
  }
  const seed = options.seed ?? 42;
  const header = Object.keys(SOURCES[source].schema);
  const rows = (): Iterable<string[]> => {
    switch (source) {
      case 'transactions':
        return transactionRows(seed, date, records, parsed.data);
      case 'customers':
        return customerRows(createRng(seed, source, date), records);
      case 'products':
        return productRows();
    }
  };
  return { header, batches: inBatches(rows, options.batchSize ?? DEFAULT_BATCH) };
}

async function* inBatches(rows: () => Iterable<string[]>, size: number): AsyncGenerator<RowBatch> {
  let batch: RowBatch = [];
  for (const row of rows()) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function* transactionRows(seed: number, date: string, n: number, rates: DefectRates): Generator<string[]> {
  const rng = createRng(seed, 'transactions', date);
  // Each defect draws from its own stream, so changing one rate leaves every other value as it was.
  const defectRng = (name: keyof DefectRates) => createRng(seed, 'transactions', date, name);
  const counts = defectCounts(n, rates);
  const nullRegion = new SelectionSampler(defectRng('nullRegions'), n, counts.nullRegions);
  const duplicateRng = defectRng('duplicateIds');
  const duplicate = new SelectionSampler(duplicateRng, Math.max(n - 1, 0), counts.duplicateIds);
  const negative = new SelectionSampler(defectRng('negativeAmounts'), n, counts.negativeAmounts);
  const messyRng = defectRng('messyProducts');
  const messy = new SelectionSampler(messyRng, n, counts.messyProducts);

  const dayStart = Date.parse(`${date}T00:00:00Z`);
  const idPrefix = `TXN${date.replaceAll('-', '')}`;
  const recentIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const seconds = (rng.integer(0, 24) * 60 + rng.integer(0, 60)) * 60 + rng.integer(0, 60);
    const customerId = `CUST${rng.integer(1000, 9999)}`;
    const product = rng.choice(PRODUCTS);
    const quantity = rng.integer(1, 10);
    const unitPrice = roundHalfEven(rng.uniform(10, 500), 2);
    const region = rng.choice(REGIONS);

    let id = `${idPrefix}${String(i).padStart(6, '0')}`;
    if (i > 0 && duplicate.next()) id = duplicateRng.choice(recentIds);
    recentIds[i % RECENT_IDS] = id;
    const signedQuantity = negative.next() ? -quantity : quantity;
    yield [
      id,
      formatTimestamp(dayStart + seconds * 1000),
      customerId,
      messy.next() ? messyName(product, messyRng) : product,
      String(signedQuantity),
      formatNumber(unitPrice),
      nullRegion.next() ? '' : region,
      // A plain float product, as pandas computes `quantity * unit_price`.
      formatNumber(signedQuantity * unitPrice),
    ];
  }
}

/** Stray spaces and wrong case that the seed's cleaning (`str.strip().str.title()`) repairs. */
function messyName(product: string, rng: Rng): string {
  switch (rng.integer(0, 4)) {
    case 0:
      return `  ${product.toLowerCase()} `;
    case 1:
      return product.toUpperCase();
    case 2:
      return `${product}  `;
    default:
      return ` ${product.toLowerCase()}`;
  }
}

function* customerRows(rng: Rng, n: number): Generator<string[]> {
  for (let i = 0; i < n; i++) {
    const segment = rng.weightedChoice(SEGMENTS, SEGMENT_WEIGHTS);
    const joinDate = JOIN_DATE_ORIGIN + rng.integer(0, 1500) * DAY_MS;
    const lifetimeValue = roundHalfEven(rng.exponential(500), 2);
    yield [
      `CUST${i + 1000}`,
      `Customer ${i + 1}`,
      segment,
      formatDate(joinDate),
      formatNumber(lifetimeValue),
    ];
  }
}

function* productRows(): Generator<string[]> {
  for (const [product, category, cost] of PRODUCT_CATALOG) {
    yield [product, category, formatNumber(cost), 'true'];
  }
}

/**
 * Rounds as numpy's `np.round(x, decimals)` does: scale, round half to even, scale back (so
 * 0.125 → 0.12, unlike `Math.round`, which rounds halves up).
 */
export function roundHalfEven(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  const scaled = value * scale;
  let rounded = Math.round(scaled);
  if (rounded - scaled === 0.5 && rounded % 2 !== 0) rounded -= 1;
  return rounded / scale;
}
