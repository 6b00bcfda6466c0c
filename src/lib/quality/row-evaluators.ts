import type { RowBatch } from '../lake/csv.ts';
import { keyText } from '../pandas/keys.ts';
import { isNull, readNumber } from '../pandas/pandas-text.ts';
import { TextSet } from '../pandas/text-set.ts';
import type { NumericColumns } from './batch-values.ts';
import { Samples } from './batch-values.ts';
import type { RowCheck } from './checks.ts';
import type { Evaluator } from './evaluators.ts';
import { compileRule, parseRule } from './rule-expression.ts';

/** The check kinds beyond the notebook's, each a row test counted over the batches. */
export type NewRowCheck = Extract<RowCheck, { kind: 'matches' | 'rule' | 'references' | 'custom' }>;

/** What the row checks of a run may need besides the dataset: the keys of referenced snapshots. */
export interface RowCheckContext {
  /** Keys of each referenced dimension snapshot, by `source` (or `source.key`). */
  referenceKeys?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The map key of a references check's snapshot keys. */
export const referenceId = (check: { source: string; key?: string | undefined }): string =>
  check.key === undefined ? check.source : `${check.source}.${check.key}`;

/** Values of `columns` of one row, for samples. */
function rowValues(row: readonly string[], columns: readonly string[], indexes: readonly number[]) {
  const values: Record<string, string> = {};
  for (let k = 0; k < columns.length; k++) values[columns[k] as string] = row[indexes[k] as number] as string;
  return values;
}

/**
 * Counts rows failing `fails(row, i)` (`undefined`: not judged, e.g. a null in a format check);
 * the score is the share of rows that did not fail.
 */
function failing(
  columns: readonly string[],
  indexes: readonly number[],
  samples: Samples,
  prepare: (batch: RowBatch, numbers: NumericColumns) => (row: readonly string[], i: number) => boolean,
): Evaluator {
  let failures = 0;
  return {
    consume(batch, numbers, offset) {
      const fails = prepare(batch, numbers);
      for (let i = 0; i < batch.length; i++) {
        const row = batch[i] as string[];
        if (fails(row, i)) {
          failures++;
          if (!samples.full) samples.addRow(offset + i + 1, rowValues(row, columns, indexes));
        }
      }
    },
    outcome: (rows) => ({ score: 1 - failures / rows, failing: failures, samples: samples.rows }),
  };
}

/**
 * The evaluator of a check kind beyond the notebook's: `indexOf` gives a column's position in the
 * batches' rows (every column the check reads is present: the caller checked).
 */
export function createRowEvaluator(
  check: NewRowCheck,
  indexOf: (column: string) => number,
  limit: number,
  context: RowCheckContext,
): Evaluator {
  switch (check.kind) {
    case 'matches': {
      // Anchored around the whole pattern, so `a|ab` matches `ab` as it would whole.
      const pattern = new RegExp(`^(?:${check.pattern})$`, `u${check.flags ?? ''}`);
      const index = indexOf(check.column);
      return failing([check.column], [index], new Samples(check.column, limit), () => (row) => {
        const text = row[index] as string;
        return !isNull(text) && !pattern.test(text);
      });
    }
    case 'references': {
      const keys = context.referenceKeys?.get(referenceId(check)) ?? new Set<string>();
      const index = indexOf(check.column);
      return failing([check.column], [index], new Samples(check.column, limit), () => (row) => {
        const text = row[index] as string;
        return !isNull(text) && !keys.has(text);
      });
    }
    case 'rule': {
      const rule = parseRule(check.expression);
      const indexes = rule.columns.map(indexOf);
      return failing(rule.columns, indexes, new Samples(check.column, limit), (_batch, numbers) => {
        const test = compileRule(rule, (column) => numbers.values(indexOf(column)), check.tolerance ?? 0);
        return (_row, i) => test(i) === false;
      });
    }
    case 'custom': {
      const indexes = check.columns.map(indexOf);
      let thrown: string | undefined;
      const counted = failing(check.columns, indexes, new Samples(check.column, limit), () => (row) => {
        if (thrown !== undefined) return false;
        const values: Record<string, string | number | null> = {};
        for (let k = 0; k < indexes.length; k++) {
          const text = row[indexes[k] as number] as string;
          values[check.columns[k] as string] = isNull(text) ? null : (readNumber(text) ?? text);
        }
        try {
          return !check.test(values);
        } catch (error) {
          // As the notebook's try/except around a check: the check is an ERROR, the others still run.
          thrown = `the function threw: ${error instanceof Error ? error.message : String(error)}`;
          return false;
        }
      });
      return {
        consume: counted.consume,
        outcome: (rows, numbers) =>
          thrown !== undefined ? { error: thrown } : counted.outcome(rows, numbers),
      };
    }
  }
}

/**
 * Distinct combinations of several columns per row (a composite key); a row with a null in any of
 * them fails, as a null key cannot identify a row.
 */
export function compositeUniqueness(
  columns: readonly string[],
  indexes: readonly number[],
  limit: number,
): Evaluator {
  const seen = new TextSet();
  const samples = new Samples(columns.join(', '), limit);
  let distinct = 0;
  return {
    consume(batch, _numbers, offset) {
      for (let i = 0; i < batch.length; i++) {
        const row = batch[i] as string[];
        const hasNull = indexes.some((index) => isNull(row[index] as string));
        if (!hasNull && seen.add(keyText(row, indexes))) distinct++;
        else if (!samples.full) samples.addRow(offset + i + 1, rowValues(row, columns, indexes));
      }
    },
    outcome(rows) {
      seen.release();
      return { score: distinct / rows, failing: rows - distinct, samples: samples.rows };
    },
  };
}
