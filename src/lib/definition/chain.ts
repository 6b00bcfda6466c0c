import type { DatasetFormat } from '../lake/keys.ts';
import type { AnyExpr, Expr, ExprValue } from './expressions.ts';
import type { Measure, MeasureOf } from './measures.ts';
import type { AnyRow, ColumnOf, RowOf, Schema, Simplify, Value } from './schema.ts';
import type { DimensionSource, FactSource, Sources } from './sources.ts';

/** How an output dataset is partitioned: by the run's date (`date=YYYY-MM-DD`). */
export type PartitionGrain = 'date';

/** Text normalisation of `text()`: Python's `str.strip()` and `str.upper/lower/title()`. */
export interface TextOptions {
  /** Strip leading and trailing white space as Python's `str.strip()` (default false). */
  strip?: boolean;
  /** Change case; `title` is pandas' `str.title()` to the letter. */
  case?: 'upper' | 'lower' | 'title';
}

/** Types `parse()` can turn text into canonical values of. */
export type ParseType = 'datetime' | 'date' | 'int' | 'float';

/** One operation of a transform, as data the engine compiles. */
export type Op =
  | { op: 'dedupe'; keys: string[] }
  | { op: 'fillNull'; values: Record<string, Value> }
  | { op: 'text'; columns: string[]; strip: boolean; case: TextOptions['case'] }
  | { op: 'parse'; columns: Record<string, ParseType> }
  | { op: 'derive'; columns: Record<string, AnyExpr> }
  | { op: 'filter'; predicate: (row: AnyRow) => boolean }
  | { op: 'apply'; columns: Schema; fn: (row: AnyRow) => AnyRow }
  | { op: 'lookup'; dimension: string; on: string[]; take: string[] }
  | { op: 'write'; dataset: string; partition: PartitionGrain; format: DatasetFormat }
  | { op: 'aggregate'; by: string[]; measures: Record<string, Measure> };

/** The operation names, for messages. */
export type OpName = Op['op'];

type FactName<S> = { [K in keyof S]: S[K] extends FactSource ? K : never }[keyof S] & string;
type DimensionName<S> = { [K in keyof S]: S[K] extends DimensionSource ? K : never }[keyof S] & string;
type SchemaOf<Src> = Src extends { schema: infer Sch extends Schema } ? Sch : never;
type DimensionRow<S, N extends keyof S> = RowOf<SchemaOf<S[N]>>;
type KeyOf<S, N extends keyof S> = S[N] extends DimensionSource<Schema, infer K> ? K : never;

/** Row `R` with the columns of `A` added (or replaced). */
type With<R, A> = Simplify<Omit<R, keyof A> & { -readonly [K in keyof A]: A[K] }>;

/**
 * A transform: a source's rows through a chain of operations, compiled into one streaming pass.
 * Each method returns a new chain; the row type follows every step, so a misnamed column is a type
 * error. Build one with `from()` in a pipeline's `transform`.
 */
export class Chain<S extends Sources, R extends AnyRow, D extends Record<string, AnyRow>> {
  /** @internal use `from()` */
  constructor(
    /** The fact source the chain reads. */
    readonly source: string,
    /** The operations, in order. */
    readonly ops: readonly Op[],
  ) {}

  private append<R2 extends AnyRow = R, D2 extends Record<string, AnyRow> = D>(op: Op): Chain<S, R2, D2> {
    return new Chain<S, R2, D2>(this.source, [...this.ops, op]);
  }

  /** Drops rows whose key (one column or several) was seen before, keeping the first; nulls are equal. */
  dedupe(keys: ColumnOf<R> | readonly ColumnOf<R>[]): Chain<S, R, D> {
    return this.append({ op: 'dedupe', keys: typeof keys === 'string' ? [keys] : [...keys] });
  }

  /** Replaces nulls of the named columns with a value (`fillna`). */
  fillNull<const V extends { [K in ColumnOf<R>]?: NonNullable<R[K]> }>(
    values: V,
  ): Chain<S, With<R, { [K in keyof V]: NonNullable<R[K & keyof R]> }>, D> {
    return this.append({ op: 'fillNull', values: values as Record<string, Value> });
  }

  /** Normalises text columns: strip, then change case (pandas-exact `str.title()`); nulls stay null. */
  text(columns: ColumnOf<R> | readonly ColumnOf<R>[], options: TextOptions): Chain<S, R, D> {
    return this.append({
      op: 'text',
      columns: typeof columns === 'string' ? [columns] : [...columns],
      strip: options.strip ?? false,
      case: options.case,
    });
  }

  /**
   * Parses text columns into canonical values as pandas would write them (`to_datetime`, `to_numeric`):
   * a date-time becomes `YYYY-MM-DD HH:MM:SS[.fff][+HH:MM]`; a value that does not parse fails the run
   * naming the row and column; date-times may not mix UTC offsets.
   */
  parse<const P extends { [K in ColumnOf<R>]?: ParseType }>(
    columns: P,
  ): Chain<S, With<R, { [K in keyof P]: P[K] extends 'int' | 'float' ? number : string | null }>, D> {
    return this.append({ op: 'parse', columns: columns as Record<string, ParseType> });
  }

  /**
   * Adds (or replaces) columns computed from the row: built-in time parts (`dateOf('ts')`, …) or
   * functions. Each column sees the row as it was before this step.
   */
  derive<const E extends Record<string, Expr<R>>>(
    columns: E,
  ): Chain<S, With<R, { [K in keyof E]: ExprValue<E[K]> }>, D> {
    return this.append({ op: 'derive', columns: columns as Record<string, AnyExpr> });
  }

  /** Keeps the rows for which `predicate` is true. */
  filter(predicate: (row: R) => boolean): Chain<S, R, D> {
    return this.append({ op: 'filter', predicate: predicate as (row: AnyRow) => boolean });
  }

  /**
   * A custom row function for what the operations do not cover: it returns the values of the columns
   * declared in `columns` (new ones are appended; existing ones replaced).
   */
  apply<const C extends Schema>(columns: C, fn: (row: R) => RowOf<C>): Chain<S, With<R, RowOf<C>>, D> {
    return this.append({ op: 'apply', columns, fn: fn as unknown as (row: AnyRow) => AnyRow });
  }

  /**
   * Left-joins a dimension's snapshot (the latest at or before the run's date) on its key and appends
   * the `take` columns; the row count is kept, and a key not found gives nulls. `on` names the row's
   * columns that hold the key, in key order (default: the key's own names).
   */
  lookup<
    N extends DimensionName<S>,
    const T extends readonly Exclude<ColumnOf<DimensionRow<S, N>>, KeyOf<S, N>>[],
  >(
    dimension: N,
    spec: { on?: ColumnOf<R> | readonly ColumnOf<R>[]; take: T },
  ): Chain<S, With<R, Pick<DimensionRow<S, N>, T[number]>>, D> {
    const on = spec.on === undefined ? [] : typeof spec.on === 'string' ? [spec.on] : [...spec.on];
    return this.append({ op: 'lookup', dimension, on, take: [...spec.take] });
  }

  /**
   * Writes the rows as they are at this point to the output dataset `name`, partitioned by date, as
   * CSV (the default, the notebook's format) or Parquet (`{ format: 'parquet' }`: typed columns from
   * the plan's types, ZSTD, row groups of bounded size).
   */
  write<const N extends string>(
    name: N,
    options: { partition?: PartitionGrain; format?: DatasetFormat } = {},
  ): Chain<S, R, Simplify<D & { [K in N]: R }>> {
    return this.append({
      op: 'write',
      dataset: name,
      partition: options.partition ?? 'date',
      format: options.format ?? 'csv',
    });
  }

  /**
   * Groups the rows by the `by` columns (rows with a null key are dropped, groups sorted by key, as
   * pandas' `groupby`) and computes the measures; the chain goes on with one row per group.
   */
  aggregate<const B extends readonly ColumnOf<R>[], const M extends Record<string, MeasureOf<R>>>(spec: {
    by: B;
    measures: M;
  }): Chain<S, Simplify<{ [K in B[number]]: NonNullable<R[K]> } & { -readonly [K in keyof M]: number }>, D> {
    return this.append({
      op: 'aggregate',
      by: [...spec.by],
      measures: spec.measures as Record<string, Measure>,
    });
  }
}

/** What a pipeline's `transform` function receives. */
export interface TransformContext<S extends Sources> {
  /** Starts the chain from a fact source. */
  from<N extends FactName<S>>(source: N): Chain<S, RowOf<SchemaOf<S[N]>>, Record<never, never>>;
}

/** The context handed to `transform`. */
export function transformContext<S extends Sources>(): TransformContext<S> {
  return { from: (source) => new Chain(source, []) };
}
