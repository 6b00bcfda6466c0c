import type { FormatName } from '../quality/check-builders.ts';
import {
  customCheck,
  matchesCheck,
  referencesCheck,
  ruleCheck,
  uniquenessCheck,
} from '../quality/check-builders.ts';
import type { QualityCheckType } from '../quality/checks.ts';
import type { Check, CheckOptions, NamedCheckOptions, Reads } from './quality.ts';

/**
 * Distinct combinations of several columns per row (a composite key; default threshold 1.0). A row
 * with a null in any of them fails.
 * @example uniqueTogether(['device_id', 'ts'], { error: '> 0' })
 */
export const uniqueTogether = <const C extends string>(
  columns: readonly [C, C, ...C[]],
  options?: CheckOptions,
) => uniquenessCheck(columns, options) as Reads<'uniqueness', C>;

/**
 * Non-null values that match a pattern whole: a RegExp, its source, or a named format (`email`,
 * `uuid`, `iso_date`, `digits`). Default threshold 1.0: any other value is an error.
 * @example matches('customer_id', /CUST\d{4}/, { warn: '> 0', error: '> 1%' })
 */
export const matches = <const C extends string>(
  column: C,
  pattern: RegExp | FormatName | (string & {}),
  options?: CheckOptions,
) => matchesCheck(column, pattern, options) as Check<'matches', C>;

/**
 * A cross-column rule over numbers, e.g. `total_amount == quantity * unit_price` (`tolerance` for
 * `==` and `!=`). Rows with a null in a column it reads are not judged. Default threshold 1.0.
 * @example rule('Total is quantity × price', 'total_amount == quantity * unit_price', { tolerance: 0.01 })
 */
export const rule = (
  name: string,
  expression: string,
  options?: CheckOptions & { tolerance?: number; type?: QualityCheckType },
) => ruleCheck(name, expression, options) as Check<'rule', string>;

/**
 * Referential integrity: non-null values present among the keys of dimension `source`'s snapshot as
 * of the run's date (its key, or column `key`). Default threshold 1.0.
 * @example references('customer_id', 'customers', { warn: '> 0' })
 */
export const references = <const C extends string>(
  column: C,
  source: string,
  options?: CheckOptions & { key?: string },
) => referencesCheck(column, source, options) as Check<'references', C>;

/**
 * A function of a row's `columns`, true when the row is good: values are numbers where the text is
 * numeric, else text, and null when empty. Not expressible in YAML. Default threshold 1.0.
 * @example satisfies('Short names', ['product'], (row) => String(row.product).length < 40)
 */
export const satisfies = <const C extends string>(
  name: string,
  columns: readonly C[],
  test: (row: { [K in C]: string | number | null }) => boolean,
  options?: NamedCheckOptions,
) =>
  customCheck(
    name,
    columns,
    test as (row: Record<string, string | number | null>) => boolean,
    options,
  ) as Reads<'custom', C>;
