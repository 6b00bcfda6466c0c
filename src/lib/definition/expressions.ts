import { numpyRound } from '../pandas/numeric.ts';
import type { AnyRow, ColumnOf, Value } from './schema.ts';

/** Parts of a date-time column that `derive` computes natively (one parse per row, however many parts). */
export type TimePartName = 'date' | 'hour' | 'dayName' | 'dayOfWeek' | 'isWeekend' | 'hourStart';

/** A built-in expression over a date-time column; `V` is the value it gives. */
export interface TimePart<C extends string = string, V extends Value = Value> {
  readonly kind: 'time';
  readonly column: C;
  readonly part: TimePartName;
  /** Type-level only: the value the expression gives. */
  readonly __value?: V;
}

/** A derived column: a built-in expression, or a function of the row. */
export type Expr<R> = ((row: R) => Value) | TimePart<ColumnOf<R>>;

/** The value type of an expression. */
export type ExprValue<E> = E extends (row: never) => infer V
  ? V
  : E extends TimePart<string, infer V>
    ? V
    : never;

const timePart =
  <V extends Value>(part: TimePartName) =>
  <const C extends string>(column: C): TimePart<C, V> => ({ kind: 'time', column, part });

/** `dt.date` as text, `YYYY-MM-DD` (null for a null time). */
export const dateOf = timePart<string | null>('date');
/** `dt.hour`, 0-23 (NaN for a null time). */
export const hourOf = timePart<number>('hour');
/** `dt.day_name()`: `Monday` … `Sunday` (null for a null time). */
export const dayName = timePart<string | null>('dayName');
/** `dt.dayofweek`: Monday 0 … Sunday 6 (NaN for a null time). */
export const dayOfWeek = timePart<number>('dayOfWeek');
/** `dt.dayofweek >= 5` (false for a null time, as pandas compares NaN). */
export const isWeekend = timePart<boolean>('isWeekend');
/** The time truncated to its hour, `YYYY-MM-DD HH:00:00` (null for a null time): an hourly grain. */
export const hourStart = timePart<string | null>('hourStart');

/**
 * Rounds as numpy's `round` does (half to even, after scaling): `round(2.675, 2)` is what pandas gives.
 */
export const round = (value: number, decimals = 0): number => numpyRound(value, decimals);

/** Whether an expression is a built-in time part (else a row function). */
export const isTimePart = (expr: unknown): expr is TimePart =>
  typeof expr === 'object' && expr !== null && (expr as TimePart).kind === 'time';

/** The runtime form of an expression. */
export type AnyExpr = ((row: AnyRow) => Value) | TimePart;
