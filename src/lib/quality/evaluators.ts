import type { RowBatch } from '../lake/csv.ts';
import { isNull } from '../pandas/pandas-text.ts';
import { TextSet } from '../pandas/text-set.ts';
import { type NumericColumns, type Sample, Samples } from './batch-values.ts';
import type { CompareOp, RowCheck } from './checks.ts';
import { compositeUniqueness, createRowEvaluator, type RowCheckContext } from './row-evaluators.ts';

/**
 * What a check measured: hits per row, with the first failing rows (at most the check's sample limit),
 * or the error pandas would raise instead.
 */
export type Outcome = { score: number; failing: number; samples: Sample[] } | { error: string };

/** A check being evaluated as batches stream by. */
export interface Evaluator {
  /** Consumes a batch whose first row is the dataset's row `offset + 1`. */
  consume(batch: RowBatch, numbers: NumericColumns, offset: number): void;
  /** The result once all `rows` rows have been consumed; called once, after which the state may go. */
  outcome(rows: number, numbers: NumericColumns): Outcome;
}

/**
 * The evaluator for a row check, reading the columns at `indexOf(column)` (all present: the caller
 * checked), keeping up to `samples` failing rows.
 */
export function createEvaluator(
  check: RowCheck,
  indexOf: (column: string) => number,
  samples: number,
  context: RowCheckContext = {},
): Evaluator {
  const sampling = () => new Samples(check.column, samples);
  const index = indexOf(check.column);
  switch (check.kind) {
    case 'completeness':
      return completeness(index, sampling());
    case 'uniqueness':
      return check.columns
        ? compositeUniqueness(check.columns, check.columns.map(indexOf), samples)
        : uniqueness(index, sampling(), sampling());
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
        (v) => v >= min && v <= max,
        sampling(),
        () => typeError('>=', check.min),
      );
    }
    case 'compare':
      return compare(index, check.op, check.value, sampling, samples);
    case 'accepted_values':
      return acceptedValues(index, check.values, sampling(), sampling());
    default:
      return createRowEvaluator(check, indexOf, samples, context);
  }
}

function completeness(index: number, samples: Samples): Evaluator {
  let nulls = 0;
  return {
    consume(batch, _columns, offset) {
      for (let i = 0; i < batch.length; i++) {
        const text = (batch[i] as string[])[index] as string;
        if (isNull(text)) {
          nulls++;
          samples.add(offset + i + 1, text);
        }
      }
    },
    outcome: (rows) => ({ score: 1 - nulls / rows, failing: nulls, samples: samples.rows }),
  };
}

/**
 * `nunique()`: distinct non-null values, compared as numbers when the column is numeric (1 == 1.0).
 * Its failing rows (`rows - distinct`) are the nulls and the repeats of a value seen before; as numbers
 * and as text they differ, so both are sampled until the column shows which it is.
 */
function uniqueness(index: number, textSamples: Samples, numberSamples: Samples): Evaluator {
  // Compact: it holds every distinct value of the date (an id column: one per row).
  const texts = new TextSet();
  let numbers: Set<number> | undefined = new Set<number>();
  return {
    consume(batch, columns, offset) {
      const values = numbers ? columns.values(index) : undefined;
      for (let i = 0; i < batch.length; i++) {
        const text = (batch[i] as string[])[index] as string;
        if (isNull(text)) {
          textSamples.add(offset + i + 1, text);
          numberSamples.add(offset + i + 1, text);
          continue;
        }
        if (!texts.add(text)) textSamples.add(offset + i + 1, text);
        if (numbers && values) {
          const value = values[i] as number;
          // Non-null yet NaN: text, so pandas compares strings; stop tracking numbers.
          if (Number.isNaN(value)) numbers = undefined;
          else {
            const before = numbers.size;
            numbers.add(value);
            if (numbers.size === before) numberSamples.add(offset + i + 1, text);
          }
        }
      }
    },
    outcome(rows) {
      const distinct = numbers ? numbers.size : texts.size;
      texts.release();
      const samples = (numbers ? numberSamples : textSamples).rows;
      return { score: distinct / rows, failing: rows - distinct, samples };
    },
  };
}

/**
 * Counts a batch's hits: the first `n` values that pass a test. One loop per test, with the comparison
 * inline (a test called per value cost more than the comparison itself).
 */
type HitCounter = (values: Float64Array, n: number) => number;

/**
 * Counts rows whose number passes `countHits`' test; NaN (null) fails every comparison, as in numpy.
 * A batch with failing rows is scanned again with `isHit` for samples, only until they are complete.
 * `onText` decides a column of text, given the dataset's first rows.
 */
function counting(
  index: number,
  countHits: HitCounter,
  isHit: (value: number) => boolean,
  samples: Samples,
  onText: (rows: number, firstRows: Samples) => Outcome,
  firstRows?: Samples,
): Evaluator {
  let hits = 0;
  return {
    consume(batch, columns, offset) {
      const values = columns.values(index);
      const n = batch.length;
      const batchHits = countHits(values, n);
      hits += batchHits;
      if (batchHits < n && !samples.full) {
        for (let i = 0; i < n && !samples.full; i++) {
          if (!isHit(values[i] as number))
            samples.add(offset + i + 1, (batch[i] as string[])[index] as string);
        }
      }
      if (firstRows && !firstRows.full) {
        for (let i = 0; i < n && !firstRows.full; i++)
          firstRows.add(offset + i + 1, (batch[i] as string[])[index] as string);
      }
    },
    outcome: (rows, columns) =>
      columns.isNumeric(index)
        ? { score: hits / rows, failing: rows - hits, samples: samples.rows }
        : onText(rows, firstRows ?? samples),
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

/** Whether one value passes `value <op> operand` (NaN: only `!=`, as in numpy). */
function hitTest(op: CompareOp, operand: number): (value: number) => boolean {
  switch (op) {
    case '>':
      return (value) => value > operand;
    case '>=':
      return (value) => value >= operand;
    case '<':
      return (value) => value < operand;
    case '<=':
      return (value) => value <= operand;
    case '==':
      return (value) => value === operand;
    case '!=':
      return (value) => value !== operand;
  }
}

function compare(
  index: number,
  op: CompareOp,
  operand: number,
  sampling: () => Samples,
  limit: number,
): Evaluator {
  // A column of strings: `==` / `!=` compare element-wise (a string never equals a number), so every
  // row fails `==` (its samples are the first rows) and none fails `!=`; ordering raises in Python.
  const onText = (rows: number, firstRows: Samples): Outcome => {
    if (op === '==') return { score: 0, failing: rows, samples: firstRows.rows };
    if (op === '!=') return { score: 1, failing: 0, samples: [] };
    return typeError(op, operand);
  };
  const firstRows = op === '==' && limit > 0 ? sampling() : undefined;
  return counting(index, compareCounter(op, operand), hitTest(op, operand), sampling(), onText, firstRows);
}

/** `isin`: strings match a column of strings, numbers a numeric column. */
function acceptedValues(
  index: number,
  accepted: readonly (string | number)[],
  textSamples: Samples,
  numberSamples: Samples,
): Evaluator {
  const texts = new Set(accepted.filter((value): value is string => typeof value === 'string'));
  const numbers = new Set(accepted.filter((value): value is number => typeof value === 'number'));
  let textHits = 0;
  let numberHits = 0;
  return {
    consume(batch, columns, offset) {
      const values = numbers.size > 0 ? columns.values(index) : undefined;
      for (let i = 0; i < batch.length; i++) {
        const text = (batch[i] as string[])[index] as string;
        // A null is NaN to pandas, never in the list, even when the list has the text 'NA'.
        if (texts.has(text) && !isNull(text)) textHits++;
        else textSamples.add(offset + i + 1, text);
        if (values && numbers.has(values[i] as number)) numberHits++;
        else numberSamples.add(offset + i + 1, text);
      }
      // Parse the column even without numeric values: its type decides which hits count. Once a text
      // value has been seen the column is text for good, and parsing it further would change nothing.
      if (!values && columns.isNumeric(index)) columns.values(index);
    },
    outcome(rows, columns) {
      const numeric = columns.isNumeric(index);
      const hits = numeric ? numberHits : textHits;
      return {
        score: hits / rows,
        failing: rows - hits,
        samples: (numeric ? numberSamples : textSamples).rows,
      };
    },
  };
}

/** Python's message for comparing a string with a number. */
function typeError(op: string, operand: number): Outcome {
  const type = Number.isInteger(operand) ? 'int' : 'float';
  return { error: `'${op}' not supported between instances of 'str' and '${type}'` };
}
