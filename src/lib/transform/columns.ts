import { InputError } from '../errors.ts';

/** Columns the seed's `clean_transactions` appends, in its order. */
export const DERIVED_COLUMNS = ['date', 'hour', 'day_of_week', 'is_weekend'] as const;
/** Columns `enrich_transactions` appends: the customer join, the product join, then profit. */
export const ENRICH_COLUMNS = [
  'segment',
  'lifetime_value',
  'category',
  'cost',
  'profit',
  'profit_margin',
] as const;
/** `create_daily_summary`'s columns. */
export const SUMMARY_COLUMNS = [
  'date',
  'region',
  'category',
  'transaction_count',
  'unique_customers',
  'total_quantity',
  'revenue',
  'profit',
  'avg_transaction_value',
] as const;

/** The transaction columns the seed reads; pandas raises a KeyError when one is missing. */
export const TRANSACTION_INPUT = [
  'transaction_id',
  'timestamp',
  'customer_id',
  'product',
  'quantity',
  'region',
  'total_amount',
] as const;
/** The customer columns the seed's join selects. */
export const CUSTOMER_INPUT = ['customer_id', 'segment', 'lifetime_value'] as const;
/** The product columns the seed's join selects. */
export const PRODUCT_INPUT = ['product', 'category', 'cost'] as const;

/**
 * Indices of `names` in `header`, computed once per object so rows are read by position.
 * @throws InputError `MISSING_COLUMN` naming every missing column
 */
export function columnIndices<const N extends readonly string[]>(
  header: readonly string[],
  names: N,
  key: string,
): Record<N[number], number> {
  const indices = {} as Record<string, number>;
  const missing: string[] = [];
  for (const name of names) {
    const index = header.indexOf(name);
    if (index < 0) missing.push(name);
    indices[name] = index;
  }
  if (missing.length > 0) {
    throw new InputError(`missing column(s) ${missing.join(', ')}`, {
      code: 'MISSING_COLUMN',
      location: { key, column: missing.join(', ') },
    });
  }
  return indices as Record<N[number], number>;
}

/**
 * Refuses transaction columns that the transform itself appends: pandas would overwrite some of them
 * in place and suffix others (`segment_x`), layouts nobody downstream expects.
 * @throws InputError `COLUMN_CONFLICT`
 */
export function assertNoReservedColumns(header: readonly string[], key: string): void {
  const reserved = new Set<string>([...DERIVED_COLUMNS, ...ENRICH_COLUMNS]);
  const clashes = header.filter((name) => reserved.has(name));
  if (clashes.length > 0) {
    throw new InputError(
      `the transactions already have column(s) the transform adds: ${clashes.join(', ')}`,
      {
        code: 'COLUMN_CONFLICT',
        location: { key, column: clashes.join(', ') },
      },
    );
  }
}
