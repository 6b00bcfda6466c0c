import type { z } from 'zod';
import type { DatasetFormat } from '../lake/keys.ts';
import type { ROW_TEST_KINDS, RowTestCheck } from '../quality/row-tests.ts';
import type { Rng } from '../sources/random.ts';
import type { CheckOf } from './quality.ts';
import type { ColumnOf, RowOf, Schema } from './schema.ts';

export { quarantineProblems } from './quarantine-checks.ts';

/** File formats a source accepts from files and lake objects. */
export type InputFormat = 'csv' | 'json' | 'ndjson' | 'parquet';

/** What a generator gets for one run of one source. */
export interface GenerateContext<O> {
  /** The run's date, `YYYY-MM-DD`. */
  date: string;
  /** Rows asked for (the run's count, else the generator's `defaultRecords`). */
  records: number;
  seed: number;
  /** The run's generator options, parsed with the generator's `options` schema. */
  options: O;
  /**
   * A deterministic random stream seeded by (seed, source, date, ...names): the same run always
   * generates the same rows, and a stream per purpose keeps one change from shifting every value.
   */
  rng(...names: string[]): Rng;
}

/** A seeded generator of demo and test rows for a source. */
export interface SourceGenerator<R, O = Record<string, never>> {
  /** Rows generated when the run does not say (default 1000). */
  defaultRecords?: number;
  /** Validates the run's generator options (`--gen name=value`); without it options are refused. */
  options?: z.ZodType<O>;
  /** The rows, streamed; a missing or `null` value is written empty. */
  rows(context: GenerateContext<O>): Iterable<Partial<R>>;
}

/**
 * A check a source of rows `R` may quarantine by: a row check of a kind that judges one row by
 * itself (row-tests.ts), naming columns of `R` (numeric ones for `inRange` and `compare`).
 */
export type QuarantineCheck<R> = Extract<CheckOf<R>, { kind: (typeof ROW_TEST_KINDS)[number] }>;
/** The quarantine checks of a source of schema `S`: typed by its columns, unless `S` is any schema. */
type SourceCheck<S extends Schema> = string extends keyof S ? RowTestCheck : QuarantineCheck<RowOf<S>>;

/**
 * A source's quarantine: rows that fail a per-row check of ingestion (a value that does not fit its
 * column's type, an event time off the run's date, a repeated dimension key) or one of its `checks`
 * go to `<pipeline>/quarantine/<source>/date=…/<source>.csv` (`.parquet` in that `format`) instead
 * of failing the run, and the other rows land. Without a quarantine (the default) the first bad row
 * fails the run.
 */
export interface QuarantineOptions<C extends RowTestCheck = RowTestCheck> {
  /**
   * When the run fails after all: quarantined rows reaching it, in the language of a check's
   * `warn`/`error` (`> N`, `>= N` rows, `> N%`, `>= N%` of the input's rows). `'> 1%'` lands an input
   * with at most 1 % bad rows. No default: a quarantine says how much it may take.
   */
  limit: string;
  /**
   * Row checks a row that passed validation must pass too, applied in order: the first it fails
   * quarantines it under rule `check:<name>` (default: none). The suites' builders (`complete`,
   * `inRange`, `compare`, `acceptedValues`, `matches`, `rule`, `satisfies`) without `warn`, `error`,
   * `threshold`, `severity`, `blocking` or `samples`: any failing row is quarantined, and `limit`
   * decides whether the run fails.
   */
  checks?: readonly C[];
  /**
   * The quarantine object's format: `'csv'` (default), or `'parquet'`, where `_row` is an INT64 column
   * and `_rule`, `_error` and every input column are strings, the values' original text (a quarantined
   * row's values are the ones that did not parse). A re-run in the other format removes the date's
   * object in the earlier one.
   */
  format?: DatasetFormat;
}

interface SourceCommon<S extends Schema> {
  /** Columns in order with their types; ingestion checks every value. */
  schema: S;
  /** Columns that must be present in every input (default: all of the schema). Nulls in them are warned about. */
  required?: readonly ColumnOf<S>[];
  /** Accepted input formats (default csv, json and ndjson). */
  formats?: readonly InputFormat[];
  /** Sets bad rows aside instead of failing the run (default: none, the first bad row fails it). */
  quarantine?: QuarantineOptions<SourceCheck<S>>;
  description?: string;
}

/** A fact source: events of the run's date, the rows the transform streams. */
export interface FactSource<S extends Schema = Schema> extends SourceCommon<S> {
  kind: 'fact';
  /** The event-time column: every row must fall on the run's date. */
  eventTime: ColumnOf<S>;
  // biome-ignore lint/suspicious/noExplicitAny: a generator's options are its own business
  generate?: SourceGenerator<RowOf<S>, any>;
}

/** A dimension source: a snapshot keyed by its primary key, joined as of the run's date. */
export interface DimensionSource<S extends Schema = Schema, K extends ColumnOf<S> = ColumnOf<S>>
  extends SourceCommon<S> {
  kind: 'dimension';
  /** Primary key column(s): unique in every snapshot. */
  key: readonly K[];
  // biome-ignore lint/suspicious/noExplicitAny: a generator's options are its own business
  generate?: SourceGenerator<RowOf<S>, any>;
}

/** Any source. */
export type Source = FactSource | DimensionSource;
/** A pipeline's sources by name. */
export type Sources = Readonly<Record<string, Source>>;

/**
 * Declares a fact source.
 * @example fact({ eventTime: 'ts', schema: { device_id: 'string', ts: 'datetime', temp_c: 'float' } })
 */
export function fact<const S extends Schema, O = Record<string, never>>(definition: {
  schema: S;
  eventTime: NoInfer<ColumnOf<S>>;
  required?: readonly NoInfer<ColumnOf<S>>[];
  formats?: readonly InputFormat[];
  quarantine?: QuarantineOptions<QuarantineCheck<RowOf<NoInfer<S>>>>;
  generate?: SourceGenerator<RowOf<NoInfer<S>>, O>;
  description?: string;
}): FactSource<S> {
  return { kind: 'fact', ...definition } as FactSource<S>;
}

/**
 * Declares a dimension source; `key` is one column or several (a composite key).
 * @example dimension({ key: 'device_id', schema: { device_id: 'string', site: 'string' } })
 */
export function dimension<
  const S extends Schema,
  const K extends ColumnOf<S>,
  O = Record<string, never>,
>(definition: {
  schema: S;
  key: K | readonly K[];
  required?: readonly NoInfer<ColumnOf<S>>[];
  formats?: readonly InputFormat[];
  quarantine?: QuarantineOptions<QuarantineCheck<RowOf<NoInfer<S>>>>;
  generate?: SourceGenerator<RowOf<NoInfer<S>>, O>;
  description?: string;
}): DimensionSource<S, K> {
  const key = (Array.isArray(definition.key) ? definition.key : [definition.key]) as readonly K[];
  return { kind: 'dimension', ...definition, key } as DimensionSource<S, K>;
}
