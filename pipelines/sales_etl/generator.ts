import {
  dateText,
  type GenerateContext,
  type Rng,
  SelectionSampler,
  timestampText,
  z,
} from '../../src/api.ts';

/**
 * The notebook's `DataGenerator`, streaming and deterministic: rows come from random streams seeded by
 * (seed, source, date), so a re-run of a date lands byte-identical objects. Unlike the notebook's, it
 * spoils a configurable share of rows (duplicates, negative amounts, messy product names, null
 * regions), so cleaning and checks have work to do.
 */

/** The notebook's fixed product catalog: product, category, cost. */
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

const rate = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

/**
 * Share of transaction rows spoiled on purpose (`--gen duplicateIds=0.1`); `--gen defects=none` keeps
 * only the notebook's null regions.
 */
export const defectOptions = z
  .object({
    /** Rows whose region is empty (the notebook's 2%). */
    nullRegions: rate(0.02),
    /** Rows that repeat one of the last 100 transaction ids. */
    duplicateIds: rate(0.01),
    /** Rows with a negative quantity, hence a negative total_amount. */
    negativeAmounts: rate(0.005),
    /** Rows whose product name has stray spaces or the wrong case. */
    messyProducts: rate(0.05),
    /** `none`: no defects but the notebook's null regions. */
    defects: z.enum(['default', 'none']).default('default'),
  })
  .strict();
export type DefectOptions = z.output<typeof defectOptions>;
/** The rates a run applies. */
export type DefectRates = Omit<DefectOptions, 'defects'>;

/** The rates `options` ask for: `defects=none` turns off all but the null regions. */
export function defectRates({ defects, ...rates }: DefectOptions): DefectRates {
  return defects === 'none' ? { ...rates, duplicateIds: 0, negativeAmounts: 0, messyProducts: 0 } : rates;
}

/** How many rows of each defect `records` transactions get: exact counts (the notebook's `int(n * 0.02)`). */
export function defectCounts(records: number, defects: DefectRates): Record<keyof DefectRates, number> {
  return {
    nullRegions: Math.floor(records * defects.nullRegions),
    // Row 0 has no earlier id to copy.
    duplicateIds: Math.min(Math.floor(records * defects.duplicateIds), Math.max(records - 1, 0)),
    negativeAmounts: Math.floor(records * defects.negativeAmounts),
    messyProducts: Math.floor(records * defects.messyProducts),
  };
}

/** A duplicate copies the id of one of the last this-many rows, as a retried event would. */
const RECENT_IDS = 100;
const DAY_MS = 86_400_000;
const JOIN_DATE_ORIGIN = Date.UTC(2020, 0, 1);

/** Transactions of the run's date, with the configured defects. */
export function* transactionRows({ date, records: n, options, rng: stream }: GenerateContext<DefectOptions>) {
  const rng = stream();
  // Each defect draws from its own stream, so changing one rate leaves every other value as it was.
  const counts = defectCounts(n, defectRates(options));
  const nullRegion = new SelectionSampler(stream('nullRegions'), n, counts.nullRegions);
  const duplicateRng = stream('duplicateIds');
  const duplicate = new SelectionSampler(duplicateRng, Math.max(n - 1, 0), counts.duplicateIds);
  const negative = new SelectionSampler(stream('negativeAmounts'), n, counts.negativeAmounts);
  const messyRng = stream('messyProducts');
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
    yield {
      transaction_id: id,
      timestamp: timestampText(dayStart + seconds * 1000),
      customer_id: customerId,
      product: messy.next() ? messyName(product, messyRng) : product,
      quantity: signedQuantity,
      unit_price: unitPrice,
      region: nullRegion.next() ? null : region,
      // A plain float product, as pandas computes `quantity * unit_price`.
      total_amount: signedQuantity * unitPrice,
    };
  }
}

/** Stray spaces and wrong case that the cleaning (`str.strip().str.title()`) repairs. */
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

/** The notebook's customer master data. */
export function* customerRows({ records: n, rng: stream }: GenerateContext<unknown>) {
  const rng = stream();
  for (let i = 0; i < n; i++) {
    const segment = rng.weightedChoice(SEGMENTS, SEGMENT_WEIGHTS);
    const joinDate = JOIN_DATE_ORIGIN + rng.integer(0, 1500) * DAY_MS;
    const lifetimeValue = roundHalfEven(rng.exponential(500), 2);
    yield {
      customer_id: `CUST${i + 1000}`,
      customer_name: `Customer ${i + 1}`,
      segment,
      join_date: dateText(joinDate),
      lifetime_value: lifetimeValue,
    };
  }
}

/** The notebook's product catalog (always its five rows). */
export function* productRows() {
  for (const [product, category, cost] of PRODUCT_CATALOG) yield { product, category, cost, active: true };
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
