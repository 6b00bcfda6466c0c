import {
  type DatasetCheckOptions,
  freshnessCheck,
  rowCountChangeCheck,
  rowCountCheck,
  schemaCheck,
} from '../quality/check-builders.ts';
import type { SchemaChange, Severity } from '../quality/checks.ts';
import type { Check } from './quality.ts';

/**
 * Rows within `[min, max]`; outside, the check ends at `severity` (default error).
 * @example rowCount({ min: 1 })
 */
export const rowCount = (bounds: { min?: number; max?: number; severity?: Severity } & DatasetCheckOptions) =>
  rowCountCheck(bounds) as Check<'row_count', never>;

/**
 * Rows against the mean of the latest run of each of the `runs` dates before (default 3), as a share
 * of the mean (`> 50%`) or in rows (`> 500`). With no earlier runs the check passes.
 * @example rowCountChange({ runs: 3, warn: '> 20%', error: '> 40%' })
 */
export const rowCountChange = (
  options: { runs?: number; warn?: string; error?: string } & DatasetCheckOptions,
) => rowCountChangeCheck(options) as Check<'row_count_change', never>;

/**
 * The latest time in `column` against the end of the run's date (UTC): `warn`/`error` as `> 6h`,
 * `>= 30m`, `> 1d`.
 * @example fresh('timestamp', { warn: '> 2h', error: '> 12h' })
 */
export const fresh = <const C extends string>(
  column: C,
  options: { warn?: string; error?: string } & DatasetCheckOptions,
) => freshnessCheck(column, options) as Check<'freshness', C>;

/**
 * The dataset's columns against the declared ones and the previous run's: columns `added`, `removed`
 * or `retyped` (values of another type). Default: removed or retyped are errors, added a warning.
 * Types come from every value, so this check reads every column.
 * @example schemaStable({ error: ['removed', 'retyped', 'added'] })
 */
export const schemaStable = (
  options?: { warn?: SchemaChange[]; error?: SchemaChange[] } & DatasetCheckOptions,
) => schemaCheck(options) as Check<'schema', never>;
