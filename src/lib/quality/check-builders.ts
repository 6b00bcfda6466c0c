import type {
  CompareOp,
  DatasetCheck,
  QualityCheck,
  QualityCheckType,
  SchemaChange,
  Severity,
} from './checks.ts';
import { parseRule } from './rule-expression.ts';

/**
 * The check builders: checks as data, with the seed's names and default thresholds. New kinds default
 * to threshold 1.0 (any failing row is an error) unless they declare warn/error.
 */

/** The notebook's form: a minimum score and how much failing it matters. */
export interface ScoreOptions {
  threshold?: number;
  /** An error of a blocking check fails the run, not only its quality gate (default false). */
  blocking?: boolean;
  severity?: Severity;
  warn?: never;
  error?: never;
  samples?: number;
}
/** The levels' form: thresholds on failing rows, e.g. `{ warn: '> 0', error: '> 1%' }`. */
export interface LevelOptions {
  /** An error of a blocking check fails the run, not only its quality gate (default false). */
  blocking?: boolean;
  warn?: string;
  error?: string;
  threshold?: never;
  severity?: never;
  samples?: number;
}
/** Options every check builder takes: one form or the other. */
export type Common = ScoreOptions | LevelOptions;

/** A check's form fields, whichever form. */
interface FormFields {
  blocking?: boolean;
  threshold?: number;
  severity?: Severity;
  warn?: string;
  error?: string;
  samples?: number;
}

/** The form fields of a check: the levels as given, or the notebook's with `threshold` defaulting. */
function form(options: Common, threshold: number): FormFields {
  const { warn, error, samples, threshold: given, severity, blocking } = options as FormFields;
  const extra = { ...(samples === undefined ? {} : { samples }), ...(blocking ? { blocking } : {}) };
  if (warn === undefined && error === undefined)
    return { threshold: given ?? threshold, severity: severity ?? 'error', ...extra };
  // `threshold`/`severity` are kept when given too, so the definition refuses the mix.
  return {
    ...(warn !== undefined ? { warn } : {}),
    ...(error !== undefined ? { error } : {}),
    ...(given !== undefined ? { threshold: given } : {}),
    ...(severity !== undefined ? { severity } : {}),
    ...extra,
  };
}

/** The seed's `add_completeness_check` (default threshold 0.95). */
export function completenessCheck(column: string, options: Common = {}) {
  return {
    name: `Completeness: ${column}`,
    type: 'completeness',
    kind: 'completeness',
    column,
    ...form(options, 0.95),
  } satisfies QualityCheck;
}

/**
 * The seed's `add_uniqueness_check` (default threshold 1.0); over several columns, distinct
 * combinations per row (a composite key).
 */
export function uniquenessCheck(columns: string | readonly string[], options: Common = {}) {
  const list = typeof columns === 'string' ? [columns] : [...columns];
  const column = list.join(', ');
  return {
    name: `Uniqueness: ${column}`,
    type: 'uniqueness',
    kind: 'uniqueness',
    column,
    ...(list.length > 1 ? { columns: list } : {}),
    ...form(options, 1.0),
  } satisfies QualityCheck;
}

/** The seed's `add_range_check` (default threshold 0.99), named `Range: col [min, max]` as it is. */
export function rangeCheck(column: string, min: number, max: number, options: Common = {}) {
  return {
    name: `Range: ${column} [${min}, ${max}]`,
    type: 'validity',
    kind: 'range',
    column,
    min,
    max,
    ...form(options, 0.99),
  } satisfies QualityCheck;
}

/** A custom check as the seed's `add_custom_check` builds them (default type validity, threshold 0.95). */
export function acceptedValuesCheck(
  name: string,
  column: string,
  values: (string | number)[],
  options: Common & { type?: QualityCheckType } = {},
) {
  const { type = 'validity' } = options;
  return {
    name,
    type,
    kind: 'accepted_values',
    column,
    values,
    ...form(options, 0.95),
  } satisfies QualityCheck;
}

/** A custom `(df[col] <op> value).mean()` check (default type validity, threshold 0.95). */
export function compareCheck(
  name: string,
  column: string,
  op: CompareOp,
  value: number,
  options: Common & { type?: QualityCheckType } = {},
) {
  const { type = 'validity' } = options;
  return { name, type, kind: 'compare', column, op, value, ...form(options, 0.95) } satisfies QualityCheck;
}

/** Named formats for {@link matchesCheck}: whole-value patterns. */
export const FORMATS = {
  email: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
  uuid: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  iso_date: '^\\d{4}-\\d{2}-\\d{2}$',
  digits: '^\\d+$',
} as const;
/** A named format. */
export type FormatName = keyof typeof FORMATS;

/** Non-null values matching a pattern (a RegExp's source, a string, or a named format), whole. */
export function matchesCheck(column: string, pattern: RegExp | string, options: Common = {}) {
  const source =
    pattern instanceof RegExp ? pattern.source : ((FORMATS as Record<string, string>)[pattern] ?? pattern);
  const shown = pattern instanceof RegExp ? `/${pattern.source}/${pattern.flags}` : pattern;
  const flags = pattern instanceof RegExp ? pattern.flags.replace(/[^ims]/g, '') : '';
  return {
    name: `Format: ${column} ${shown}`,
    type: 'validity',
    kind: 'matches',
    column,
    pattern: source,
    ...(flags ? { flags } : {}),
    ...form(options, 1.0),
  } satisfies QualityCheck;
}

/** A cross-column rule, e.g. `total_amount == quantity * unit_price` (`tolerance` for == and !=). */
export function ruleCheck(
  name: string,
  expression: string,
  options: Common & { tolerance?: number; type?: QualityCheckType } = {},
) {
  const { tolerance, type = 'consistency' } = options;
  let columns: string[] = [];
  try {
    columns = parseRule(expression).columns;
  } catch {
    // The definition's validation reports the expression's error with the check's name.
  }
  return {
    name,
    type,
    kind: 'rule',
    column: columns.join(', ') || expression,
    expression,
    ...(tolerance !== undefined ? { tolerance } : {}),
    ...form(options, 1.0),
  } satisfies QualityCheck;
}

/** Non-null values present among the keys (or column `key`) of a dimension's snapshot as of the run's date. */
export function referencesCheck(column: string, source: string, options: Common & { key?: string } = {}) {
  const { key } = options;
  return {
    name: `References: ${column} in ${source}`,
    type: 'consistency',
    kind: 'references',
    column,
    source,
    ...(key !== undefined ? { key } : {}),
    ...form(options, 1.0),
  } satisfies QualityCheck;
}

/** A row function over `columns`: values are numbers where the text is numeric, else text; null when empty. */
export function customCheck(
  name: string,
  columns: readonly string[],
  test: (row: Record<string, string | number | null>) => boolean,
  options: Common & { type?: QualityCheckType } = {},
) {
  const { type = 'validity' } = options;
  return {
    name,
    type,
    kind: 'custom',
    column: columns.join(', '),
    columns: [...columns],
    test,
    ...form(options, 1.0),
  } satisfies QualityCheck;
}

/** Options of the dataset checks. */
export interface DatasetCheckOptions {
  name?: string;
  /** An error fails the run, not only its quality gate (default false). */
  blocking?: boolean;
}

const named = (options: DatasetCheckOptions, name: string) => ({
  name: options.name ?? name,
  ...(options.blocking ? { blocking: true } : {}),
});

/** Rows within `[min, max]`; outside, the check ends at `severity` (default error). */
export function rowCountCheck(
  bounds: { min?: number; max?: number; severity?: Severity } & DatasetCheckOptions,
): DatasetCheck {
  const { min, max, severity } = bounds;
  return {
    ...named(
      bounds,
      min === undefined
        ? `Row count <= ${max}`
        : max === undefined
          ? `Row count >= ${min}`
          : `Row count [${min}, ${max}]`,
    ),
    type: 'completeness',
    kind: 'row_count',
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    ...(severity !== undefined ? { severity } : {}),
  };
}

/** Rows against the mean of the last `runs` dates (default 3): `{ warn: '> 20%', error: '> 50%' }`. */
export function rowCountChangeCheck(
  options: { runs?: number; warn?: string; error?: string } & DatasetCheckOptions,
): DatasetCheck {
  const { runs, warn, error } = options;
  return {
    ...named(options, `Row count change over ${runs ?? 3} runs`),
    type: 'consistency',
    kind: 'row_count_change',
    ...(runs !== undefined ? { runs } : {}),
    ...(warn !== undefined ? { warn } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/** The latest `column` value against the end of the run's date: `{ warn: '> 2h', error: '> 6h' }`. */
export function freshnessCheck(
  column: string,
  options: { warn?: string; error?: string } & DatasetCheckOptions,
): DatasetCheck {
  const { warn, error } = options;
  return {
    ...named(options, `Freshness: ${column}`),
    type: 'timeliness',
    kind: 'freshness',
    column,
    ...(warn !== undefined ? { warn } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/**
 * Columns against the declared dataset and the previous run: which changes warn and which are errors
 * (default error on removed or retyped, warn on added).
 */
export function schemaCheck(
  options: { warn?: SchemaChange[]; error?: SchemaChange[] } & DatasetCheckOptions = {},
): DatasetCheck {
  const { warn, error } = options;
  return {
    ...named(options, 'Schema'),
    type: 'consistency',
    kind: 'schema',
    ...(warn !== undefined ? { warn } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}
