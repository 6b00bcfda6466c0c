import { isNull, readNumber } from '../pandas/pandas-text.ts';
import type { CompareOp, RowCheck } from './checks.ts';
import { compileRule, parseRule } from './rule-expression.ts';

/**
 * Row checks applied to one row at a time (a source's quarantine at ingestion), with the suite
 * evaluators' semantics (evaluators.ts, row-evaluators.ts): a row fails here exactly when it counts
 * among the evaluator's failing rows of a dataset whose columns pandas reads with the same types.
 */

/** The row check kinds that judge a row by itself (not uniqueness: it needs the rows before). */
export const ROW_TEST_KINDS = [
  'completeness',
  'range',
  'compare',
  'accepted_values',
  'matches',
  'rule',
  'custom',
] as const;
/** A check {@link rowFailure} can apply to one row. */
export type RowTestCheck = Extract<RowCheck, { kind: (typeof ROW_TEST_KINDS)[number] }>;

/** Whether a check is of a kind {@link rowFailure} applies. */
export const isRowTestCheck = (check: { kind: string }): check is RowTestCheck =>
  (ROW_TEST_KINDS as readonly string[]).includes(check.kind);

/** The message of a failing row, or `undefined` when the row passes. */
export type RowFailure = (row: readonly string[]) => string | undefined;

const MAX_SHOWN = 60;

/** A value in a message: `null`, a number as written, or text quoted (at most 60 characters). */
function shown(text: string | undefined): string {
  if (isNull(text as string)) return 'null';
  const number = readNumber(text as string);
  if (number !== undefined) return (text as string).trim();
  const value = text as string;
  return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
}

/** Whether `value <op> operand` holds; NaN (null or text) fails all but `!=`, as in numpy. */
function holds(op: CompareOp, value: number, operand: number): boolean {
  switch (op) {
    case '>':
      return value > operand;
    case '>=':
      return value >= operand;
    case '<':
      return value < operand;
    case '<=':
      return value <= operand;
    case '==':
      return value === operand;
    case '!=':
      return value !== operand;
  }
}

/** A row's number in a column as the evaluators read it: NaN for null and for text. */
const numberAt = (row: readonly string[], index: number): number =>
  readNumber(row[index] as string) ?? Number.NaN;

/**
 * The test of one row against `check`, built once (patterns compiled, rules parsed), reading the
 * column at `indexOf(column)` of each row (every column the check reads is present: the caller
 * checked).
 *
 * `numeric` says whether a column holds numbers, which decides `accepted_values` as it does for
 * `isin` (numbers match a numeric column, strings a column of text); at ingestion it is the schema's
 * type. Default: decided per value (a value that reads as a number is matched against the numbers,
 * other text against the strings), the evaluator's answer unless a column of text holds numeric text.
 * The other kinds do not depend on it: range, compare and rule read numbers (NaN for null or text:
 * at ingestion their columns are int or float, so text does not arise and the evaluators' "column of
 * text" outcomes do not either).
 */
export function rowFailure(
  check: RowTestCheck,
  indexOf: (column: string) => number,
  numeric?: (column: string) => boolean,
): RowFailure {
  const { column } = check;
  switch (check.kind) {
    case 'completeness': {
      const index = indexOf(column);
      return (row) => (isNull(row[index] as string) ? `${column} is null` : undefined);
    }
    case 'range': {
      const { min, max } = check;
      const index = indexOf(column);
      return (row) => {
        const value = numberAt(row, index);
        return value >= min && value <= max
          ? undefined
          : `${column} ${shown(row[index])} not in [${min}, ${max}]`;
      };
    }
    case 'compare': {
      const { op, value: operand } = check;
      const index = indexOf(column);
      return (row) =>
        holds(op, numberAt(row, index), operand)
          ? undefined
          : `${column} ${shown(row[index])} not ${op} ${operand}`;
    }
    case 'accepted_values':
      return acceptedValues(column, check.values, indexOf(column), numeric?.(column));
    case 'matches': {
      // Anchored around the whole pattern, as the evaluator does: `a|ab` must match `ab` whole.
      const pattern = new RegExp(`^(?:${check.pattern})$`, `u${check.flags ?? ''}`);
      const index = indexOf(column);
      const shownPattern = `/${check.pattern}/${check.flags ?? ''}`;
      return (row) => {
        const text = row[index] as string;
        return isNull(text) || pattern.test(text)
          ? undefined
          : `${column} ${shown(text)} does not match ${shownPattern}`;
      };
    }
    case 'rule':
      return ruleFailure(check.expression, check.tolerance ?? 0, indexOf);
    case 'custom': {
      const { columns, test } = check;
      const indexes = columns.map(indexOf);
      return (row) => {
        // The evaluator's values: numbers where the text reads as one, else text; null when empty.
        const values: Record<string, string | number | null> = {};
        for (let k = 0; k < indexes.length; k++) {
          const text = row[indexes[k] as number] as string;
          values[columns[k] as string] = isNull(text) ? null : (readNumber(text) ?? text);
        }
        return test(values) ? undefined : `false for ${valuesText(columns, indexes, row)}`;
      };
    }
  }
}

/** `a 1, b "x"`: the values a check read, for its message. */
function valuesText(columns: readonly string[], indexes: readonly number[], row: readonly string[]): string {
  return columns.map((name, k) => `${name} ${shown(row[indexes[k] as number])}`).join(', ');
}

function acceptedValues(
  column: string,
  accepted: readonly (string | number)[],
  index: number,
  numeric: boolean | undefined,
): RowFailure {
  const texts = new Set(accepted.filter((value): value is string => typeof value === 'string'));
  const numbers = new Set(accepted.filter((value): value is number => typeof value === 'number'));
  const listed = accepted.slice(0, 5).map((value) => JSON.stringify(value));
  const list = `${listed.join(', ')}${accepted.length > 5 ? ', …' : ''}`;
  return (row) => {
    const text = row[index] as string;
    const asNumber = numeric ?? readNumber(text) !== undefined;
    // A null is NaN to pandas: never in the list, even when the list has the text 'NA'.
    const hit = asNumber ? numbers.has(readNumber(text) ?? Number.NaN) : !isNull(text) && texts.has(text);
    return hit ? undefined : `${column} ${shown(text)} not one of ${list}`;
  };
}

/**
 * A rule over one row: the compiled rule reads one-element arrays that each row fills, so the rule is
 * parsed and compiled once. Nulls are not judged (the row passes), as in the evaluator.
 */
function ruleFailure(expression: string, tolerance: number, indexOf: (column: string) => number): RowFailure {
  const rule = parseRule(expression);
  const indexes = rule.columns.map(indexOf);
  const cells = rule.columns.map(() => new Float64Array(1));
  const test = compileRule(rule, (column) => cells[rule.columns.indexOf(column)] as Float64Array, tolerance);
  return (row) => {
    for (let k = 0; k < indexes.length; k++)
      (cells[k] as Float64Array)[0] = numberAt(row, indexes[k] as number);
    return test(0) === false
      ? `${expression} is false for ${valuesText(rule.columns, indexes, row)}`
      : undefined;
  };
}
