import type { ColumnOf, NumericColumn } from './schema.ts';

/** Aggregate functions; `count` counts non-null values (rows when no column is named). */
export type MeasureFn = 'count' | 'countDistinct' | 'sum' | 'mean' | 'min' | 'max';

/** One measure of an aggregate. */
export interface Measure<F extends MeasureFn = MeasureFn, C extends string | undefined = string | undefined> {
  readonly kind: 'measure';
  readonly fn: F;
  readonly column: C;
  /** Decimals to round the result to, numpy's way (half to even); default none. */
  readonly round?: number;
}

/** A measure over `R`'s columns; the numeric functions take numeric columns only. */
export type MeasureOf<R> =
  | Measure<'sum' | 'mean' | 'min' | 'max', NumericColumn<R>>
  | Measure<'count', ColumnOf<R> | undefined>
  | Measure<'countDistinct', ColumnOf<R>>;

interface MeasureOptions {
  /** Decimals to round to (numpy's half to even); default none. */
  round?: number;
}

const measure =
  <F extends MeasureFn>(fn: F) =>
  <const C extends string>(column: C, options: MeasureOptions = {}): Measure<F, C> => ({
    kind: 'measure',
    fn,
    column,
    ...options,
  });

/** Sum of a numeric column (nulls skipped, compensated as pandas' `groupby().sum()`). */
export const sum = measure('sum');
/** Mean of a numeric column (nulls skipped; NaN for a group of nulls). */
export const mean = measure('mean');
/** Smallest value of a numeric column (nulls skipped). */
export const min = measure('min');
/** Largest value of a numeric column (nulls skipped). */
export const max = measure('max');
/** Distinct non-null values of a column (`nunique`). */
export const countDistinct = measure('countDistinct');

/** Non-null values of `column` (`count`), or the group's rows when no column is named. */
export function count<const C extends string>(
  column?: C,
  options: MeasureOptions = {},
): Measure<'count', C | undefined> {
  return { kind: 'measure', fn: 'count', column, ...options };
}
