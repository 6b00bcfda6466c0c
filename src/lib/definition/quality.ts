import {
  acceptedValuesCheck,
  compareCheck,
  completenessCheck,
  type LevelOptions,
  rangeCheck,
  type ScoreOptions,
  uniquenessCheck,
} from '../quality/check-builders.ts';
import {
  type CompareOp,
  isDatasetCheck,
  type QualityCheck,
  type QualityCheckType,
} from '../quality/checks.ts';
import type { AnyRow, ColumnOf, NumericColumn } from './schema.ts';

/**
 * Options every check takes, in one of two forms (declaring both is refused):
 * - the notebook's: `threshold`, the minimum acceptable score 0..1 (each check's default is the
 *   notebook's), and `severity`: `error` checks (the default) decide whether the run passes its
 *   quality gate, `warn` checks are reported;
 * - thresholds on failing rows: `warn` and/or `error`, each `> N`, `>= N` (rows), `> N%` or `>= N%`
 *   (of the rows), e.g. `{ warn: '> 0', error: '> 1%' }`.
 *
 * `samples`: failing rows kept in the report (default the suite's, else 5).
 */
export type CheckOptions = ScoreOptions | LevelOptions;

/** Options of the named (custom) checks. */
export type NamedCheckOptions = CheckOptions & {
  /** The notebook's check type the check reports under (default `validity`). */
  type?: QualityCheckType;
};

type CheckKind = QualityCheck['kind'];
/** A check on column `C`, typed so a suite can tell whether its dataset has that column. */
export type Check<K extends CheckKind = CheckKind, C extends string = string> = Extract<
  QualityCheck,
  { kind: K }
> & {
  column: C;
};

declare const READS: unique symbol;
/** A check reading several columns `C` (types only: the suite checks they are its dataset's). */
export type Reads<K extends CheckKind, C extends string> = Extract<QualityCheck, { kind: K }> & {
  readonly [READS]?: C;
};

/**
 * A check that fits a dataset of rows `R`: its columns exist, and are numeric where the check needs
 * it. A rule's expression is checked when the definition loads.
 */
export type CheckOf<R> =
  | Check<
      'completeness' | 'uniqueness' | 'accepted_values' | 'matches' | 'references' | 'freshness',
      ColumnOf<R>
    >
  | Check<'range' | 'compare', NumericColumn<R>>
  | Reads<'uniqueness' | 'custom', ColumnOf<R>>
  | Check<'rule', string>
  | Check<'row_count' | 'row_count_change' | 'schema', never>;

/** Share of non-null values (default threshold 0.95): the notebook's `add_completeness_check`. */
export const complete = <const C extends string>(column: C, options?: CheckOptions) =>
  completenessCheck(column, options) as Check<'completeness', C>;

/** Distinct values per row (default threshold 1.0): the notebook's `add_uniqueness_check`. */
export const unique = <const C extends string>(column: C, options?: CheckOptions) =>
  uniquenessCheck(column, options) as Check<'uniqueness', C>;

/** Share of values within [min, max] (default threshold 0.99): the notebook's `add_range_check`. */
export const inRange = <const C extends string>(
  column: C,
  min: number,
  max: number,
  options?: CheckOptions,
) => rangeCheck(column, min, max, options) as Check<'range', C>;

/** Share of values for which `value <op> bound` holds (default threshold 0.95). */
export const compare = <const C extends string>(
  name: string,
  column: C,
  op: CompareOp,
  bound: number,
  options?: NamedCheckOptions,
) => compareCheck(name, column, op, bound, options) as Check<'compare', C>;

/** Share of values in a list (default threshold 0.95). */
export const acceptedValues = <const C extends string>(
  name: string,
  column: C,
  values: readonly (string | number)[],
  options?: NamedCheckOptions,
) => acceptedValuesCheck(name, column, [...values], options) as Check<'accepted_values', C>;

/** A suite as declared: checks over one output dataset. */
export interface SuiteSpec<K extends string = string> {
  dataset: K;
  checks: readonly QualityCheck[];
  description?: string;
}

/** A suite's options. */
export interface SuiteOptions {
  description?: string;
  /** Failing rows each check keeps in the report (default 5; a check's own `samples` wins). */
  samples?: number;
}

/** What a pipeline's `quality` function receives. */
export interface QualityContext<D extends Record<string, AnyRow>> {
  /**
   * A suite over output dataset `dataset`: its checks must name the dataset's columns (numeric ones
   * for `inRange` and `compare`).
   */
  suite<K extends keyof D & string>(
    dataset: K,
    checks: readonly CheckOf<D[K]>[],
    options?: SuiteOptions,
  ): SuiteSpec<K>;
}

/** The context handed to `quality`. */
export function qualityContext<D extends Record<string, AnyRow>>(): QualityContext<D> {
  return {
    suite: (dataset, checks, { samples, ...options } = {}) => ({
      dataset,
      // The limit travels with each check (checks are what runs and what the report shows).
      checks:
        samples === undefined
          ? checks
          : checks.map((check) =>
              isDatasetCheck(check) || check.samples !== undefined ? check : { ...check, samples },
            ),
      ...options,
    }),
  };
}
