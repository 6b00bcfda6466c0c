import type { RowBatch } from '../lake/csv.ts';
import { isNull, readNumber } from '../pandas/pandas-text.ts';
import { TextSet } from '../pandas/text-set.ts';
import type { CompareOp, QualityCheck } from './checks.ts';

/** What a check measured: hits per row, or the error pandas would raise instead. */
export type Outcome = { score: number; failing: number } | { error: string };

/**
 * Numbers of the columns the checks read, parsed once per batch however many checks share a column.
 * It also learns what `read_csv` would: a column with any non-numeric text is a column of strings.
 */
export class NumericColumns {
  private readonly columns = new Map<number, { values: Float64Array; batch: number; text: boolean }>();
  private batchNumber = 0;
  private batch: RowBatch = [];

  /** Starts a new batch. */
  next(batch: RowBatch): void {
    this.batch = batch;
    this.batchNumber++;
  }

  /** The column's values in this batch: numbers, NaN for null or text. */
  values(column: number): Float64Array {
    let entry = this.columns.get(column);
    if (!entry) {
      entry = { values: new Float64Array(0), batch: 0, text: false };
      this.columns.set(column, entry);
    }
    if (entry.batch === this.batchNumber) return entry.values;
    const rows = this.batch;
    if (entry.values.length < rows.length) entry.values = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const value = readNumber((rows[i] as string[])[column] as string);
      if (value === undefined) {
        entry.text = true;
        entry.values[i] = Number.NaN;
      } else entry.values[i] = value;
    }
    entry.batch = this.batchNumber;
    return entry.values;
  }

  /** Whether pandas would have read the column as numbers (every non-null value numeric so far). */
  isNumeric(column: number): boolean {
    return !this.columns.get(column)?.text;
  }
}

/** A check being evaluated as batches stream by. */
export interface Evaluator {
  consume(batch: RowBatch, numbers: NumericColumns): void;
  /** The result once all `rows` rows have been consumed; called once, after which the state may go. */
  outcome(rows: number, numbers: NumericColumns): Outcome;
}

/** The evaluator for `check`, reading column `index`. */
export function createEvaluator(check: QualityCheck, index: number): Evaluator {
  switch (check.kind) {
    case 'completeness':
      return completeness(index);
    case 'uniqueness':
      return uniqueness(index);
    case 'range': {
      const { min, max } = check;
      return counting(
        index,
        (values, n) => {
          let hits = 0;
          for (let i = 0; i < n; i++) {
            const v = values[i] as number;
            if (v >= min && v <= max) hits++;
          }
          return hits;
        },
        () => typeError('>=', check.min),
      );
    }
    case 'compare':
      return compare(index, check.op, check.value);
    case 'accepted_values':
      return acceptedValues(index, check.values);
  }
}

function completeness(index: number): Evaluator {
  let nulls = 0;
  return {
    consume(batch) {
      for (const row of batch) if (isNull(row[index])) nulls++;
    },
    outcome: (rows) => ({ score: 1 - nulls / rows, failing: nulls }),
  };
}

/** `nunique()`: distinct non-null values, compared as numbers when the column is numeric (1 == 1.0). */
function uniqueness(index: number): Evaluator {
  // Compact: it holds every distinct value of the date (an id column: one per row).
  const texts = new TextSet();
  let numbers: Set<number> | undefined = new Set<number>();
  return {
    consume(batch, columns) {
      const values = numbers ? columns.values(index) : undefined;
      for (let i = 0; i < batch.length; i++) {
        const text = (batch[i] as string[])[index] as string;
        if (isNull(text)) continue;
        texts.add(text);
        if (numbers && values) {
          const value = values[i] as number;
          // Non-null yet NaN: text, so pandas compares strings; stop tracking numbers.
          if (Number.isNaN(value)) numbers = undefined;
          else numbers.add(value);
        }
      }
    },
    outcome(rows) {
      const distinct = numbers ? numbers.size : texts.size;
      texts.release();
      return { score: distinct / rows, failing: rows - distinct };
    },
  };
}

/**
 * Counts a batch's hits: the first `n` values that pass a test. One loop per test, with the comparison
 * inline (a test called per value cost more than the comparison itself).
 */
type HitCounter = (values: Float64Array, n: number) => number;

/** Counts rows whose number passes `countHits`' test; NaN (null) fails every comparison, as in numpy. */
function counting(index: number, countHits: HitCounter, onText: () => Outcome): Evaluator {
  let hits = 0;
  return {
    consume(batch, columns) {
      hits += countHits(columns.values(index), batch.length);
    },
    outcome: (rows, columns) =>
      columns.isNumeric(index) ? { score: hits / rows, failing: rows - hits } : onText(),
  };
}

/** `(column <op> operand).sum()` of a batch, one loop per operator. */
function compareCounter(op: CompareOp, operand: number): HitCounter {
  switch (op) {
    case '>':
      return (values, n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if ((values[i] as number) > operand) hits++;
        return hits;
      };
    case '>=':
      return (values, n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if ((values[i] as number) >= operand) hits++;
        return hits;
      };
    case '<':
      return (values, n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if ((values[i] as number) < operand) hits++;
        return hits;
      };
    case '<=':
      return (values, n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if ((values[i] as number) <= operand) hits++;
        return hits;
      };
    case '==':
      return (values, n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if ((values[i] as number) === operand) hits++;
        return hits;
      };
    case '!=':
      // NaN != x is true, as in numpy.
      return (values, n) => {
        let hits = 0;
        for (let i = 0; i < n; i++) if ((values[i] as number) !== operand) hits++;
        return hits;
      };
  }
}

function compare(index: number, op: CompareOp, operand: number): Evaluator {
  let rowCount = 0;
  const evaluator = counting(index, compareCounter(op, operand), () => {
    // A column of strings: `==` / `!=` compare element-wise (a string never equals a number);
    // ordering raises in Python.
    if (op === '==') return { score: 0, failing: rowCount };
    if (op === '!=') return { score: 1, failing: 0 };
    return typeError(op, operand);
  });
  return {
    consume: evaluator.consume,
    outcome(rows, columns) {
      rowCount = rows;
      return evaluator.outcome(rows, columns);
    },
  };
}

/** `isin`: strings match a column of strings, numbers a numeric column. */
function acceptedValues(index: number, accepted: readonly (string | number)[]): Evaluator {
  const texts = new Set(accepted.filter((value): value is string => typeof value === 'string'));
  const numbers = new Set(accepted.filter((value): value is number => typeof value === 'number'));
  let textHits = 0;
  let numberHits = 0;
  return {
    consume(batch, columns) {
      const values = numbers.size > 0 ? columns.values(index) : undefined;
      for (let i = 0; i < batch.length; i++) {
        const text = (batch[i] as string[])[index] as string;
        // A null is NaN to pandas, never in the list, even when the list has the text 'NA'.
        if (texts.has(text) && !isNull(text)) textHits++;
        if (values && numbers.has(values[i] as number)) numberHits++;
      }
      // Parse the column even without numeric values: its type decides which hits count. Once a text
      // value has been seen the column is text for good, and parsing it further would change nothing.
      if (!values && columns.isNumeric(index)) columns.values(index);
    },
    outcome(rows, columns) {
      const hits = columns.isNumeric(index) ? numberHits : textHits;
      return { score: hits / rows, failing: rows - hits };
    },
  };
}

/** Python's message for comparing a string with a number. */
function typeError(op: string, operand: number): Outcome {
  const type = Number.isInteger(operand) ? 'int' : 'float';
  return { error: `'${op}' not supported between instances of 'str' and '${type}'` };
}
