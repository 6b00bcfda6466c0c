import { describe, expect, it } from 'vitest';
import type { RowBatch } from '../../src/lib/lake/csv.ts';
import { NumericColumns } from '../../src/lib/quality/batch-values.ts';
import {
  acceptedValuesCheck,
  compareCheck,
  completenessCheck,
  customCheck,
  matchesCheck,
  rangeCheck,
  ruleCheck,
} from '../../src/lib/quality/check-builders.ts';
import type { CompareOp } from '../../src/lib/quality/checks.ts';
import { createEvaluator, type Outcome } from '../../src/lib/quality/evaluators.ts';
import { type RowTestCheck, rowFailure } from '../../src/lib/quality/row-tests.ts';

/**
 * `rowFailure` against the suite evaluators, property-style: over seeded random rows (nulls in every
 * spelling, boundary values, numbers written oddly, text in a numeric column), the rows a row test
 * fails are as many as the evaluator's failing rows, for every kind a quarantine takes.
 *
 * Columns: `n` numeric (what an int or float column holds after validation: numbers and nulls), `t`
 * text (always with some non-numeric value, so pandas reads it as text), `m` numeric with some text.
 * Range and compare over `m` are the evaluators' "column of text" branches, which do not arise at
 * ingestion (validation leaves only numbers in an int or float column): they are shown apart.
 */

const HEADER = ['n', 't', 'm', 'p', 'total'];
const indexOf = (column: string) => HEADER.indexOf(column);
const NULLS = ['', 'NA', 'null', 'NaN', 'None', 'n/a', '#N/A', '<NA>'];
const NUMBERS = ['0', '1', '1.0', '-0', '100', '100.0', '0.999', '100.0000001', '-1', '50', ' 50 ', '1e2'];
const MORE_NUMBERS = ['.5', '2.', '+3', '-2.5', 'inf', '-inf', '1e-3', '99.99', '101', '7', '42'];
const TEXTS = ['CUST1', 'cust22', 'CUST', 'ab', 'a', 'abc', 'north', 'south', 'x y', '5', '1.0', 'NA ', 'é'];

/** mulberry32: a small seeded generator, so a failure is reproducible from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rng: () => number, values: readonly T[]): T {
  return values[Math.floor(rng() * values.length)] as T;
}

/** A value of a numeric column: a null one time in five, else a number (boundaries often). */
const numberText = (rng: () => number) =>
  rng() < 0.2 ? pick(rng, NULLS) : pick(rng, rng() < 0.6 ? NUMBERS : MORE_NUMBERS);

/** `count` rows; `withText` puts text in column `m` (one row at least). */
function rows(seed: number, count: number, withText: boolean): string[][] {
  const rng = random(seed);
  const out = Array.from({ length: count }, () => {
    const text = rng() < 0.15 ? pick(rng, NULLS) : pick(rng, TEXTS);
    const mixed = withText && rng() < 0.2 ? pick(rng, TEXTS) : numberText(rng);
    const p = numberText(rng);
    const n = numberText(rng);
    // A total that is n × p (within the tolerance) half the time.
    const total = rng() < 0.5 ? String(Number(n) * Number(p) + (rng() < 0.5 ? 0.004 : 0)) : numberText(rng);
    return [n, text, mixed, p, total];
  });
  // Text in the text column (and in `m` when asked), whatever the draw: pandas reads them as text.
  (out[0] as string[])[1] = 'north';
  if (withText) (out[count - 1] as string[])[2] = 'high';
  return out;
}

/** The evaluator's outcome over the rows, in batches of random sizes as a read streams them. */
function evaluate(check: RowTestCheck, all: string[][], seed: number): Outcome {
  const evaluator = createEvaluator(check, indexOf, 0);
  const numbers = new NumericColumns();
  const rng = random(seed ^ 0x5bd1e995);
  for (let offset = 0; offset < all.length; ) {
    const batch: RowBatch = all.slice(offset, offset + 1 + Math.floor(rng() * 40));
    numbers.next(batch);
    evaluator.consume(batch, numbers, offset);
    offset += batch.length;
  }
  return evaluator.outcome(all.length, numbers);
}

const failingOf = (outcome: Outcome) => ('failing' in outcome ? outcome.failing : outcome.error);

/** The rows `rowFailure` fails, with the columns' types as the schema would give them. */
function rowFailures(check: RowTestCheck, all: string[][], numeric?: (column: string) => boolean): number {
  const fails = rowFailure(check, indexOf, numeric);
  return all.filter((row) => fails(row) !== undefined).length;
}

const OPS: CompareOp[] = ['>', '>=', '<', '<=', '==', '!='];
const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i * 7919);
const schemaNumeric = (column: string) => column !== 't';

/** The checks whose evaluator judges each row alone whatever the column holds. */
const checks = (): RowTestCheck[] => [
  completenessCheck('n'),
  completenessCheck('t'),
  completenessCheck('m'),
  rangeCheck('n', 1, 100),
  rangeCheck('n', -0.5, 0.5),
  ...OPS.flatMap((op) => [compareCheck(`n ${op} 0`, 'n', op, 0), compareCheck(`n ${op} 100`, 'n', op, 100)]),
  acceptedValuesCheck('known n', 'n', [1, 100, 50, 0]),
  acceptedValuesCheck('known t', 't', ['north', 'south', '5', 'NA']),
  matchesCheck('t', /^CUST\d+$/),
  matchesCheck('t', /cust\d+/i),
  matchesCheck('t', 'a|ab'),
  matchesCheck('m', 'digits'),
  ruleCheck('total', 'total == n * p', { tolerance: 0.01 }),
  ruleCheck('mixed', 'm > 0 and abs(total) <= 1000 or p == 0'),
  ruleCheck('ratio', 'total / n != p'),
  customCheck('custom', ['m', 't'], (row) =>
    typeof row.m === 'number' ? row.m > 2 : row.t === null || String(row.t).length < 3,
  ),
];

describe('rowFailure fails the rows the evaluators count as failing', () => {
  it.each(SEEDS)('seed %i: every kind, text in column m', (seed) => {
    const all = rows(seed, 20 + (seed % 180), true);
    for (const check of checks()) {
      const expected = failingOf(evaluate(check, all, seed));
      expect({ check: check.name, failing: rowFailures(check, all, schemaNumeric) }).toEqual({
        check: check.name,
        failing: expected,
      });
    }
  });

  it.each(SEEDS.slice(0, 10))('seed %i: range and compare over a numeric column m', (seed) => {
    const all = rows(seed, 150, false);
    const over = [rangeCheck('m', 1, 100), ...OPS.map((op) => compareCheck(`m ${op} 1`, 'm', op, 1))];
    for (const check of over) {
      expect(rowFailures(check, all)).toBe(failingOf(evaluate(check, all, seed)));
    }
  });

  it('accepted values decided per value (no column types) agree over a numeric column', () => {
    for (const seed of SEEDS) {
      const all = rows(seed, 120, false);
      const check = acceptedValuesCheck('known', 'n', [1, 100, 7, -2.5]);
      expect(rowFailures(check, all)).toBe(failingOf(evaluate(check, all, seed)));
    }
  });

  it('range and compare over a column of text are the evaluators’ text branches, not a row’s', () => {
    const all = rows(SEEDS[0] as number, 60, true);
    // Python refuses to order text and numbers; `==` fails every row of a text column.
    expect(evaluate(rangeCheck('m', 1, 100), all, 1)).toEqual({
      error: "'>=' not supported between instances of 'str' and 'int'",
    });
    expect(failingOf(evaluate(compareCheck('eq', 'm', '==', 1), all, 1))).toBe(60);
    expect(failingOf(evaluate(compareCheck('ne', 'm', '!=', 1), all, 1))).toBe(0);
  });
});

describe('rowFailure messages', () => {
  const row = (values: Record<string, string>) => HEADER.map((column) => values[column] ?? '');
  const message = (check: RowTestCheck, values: Record<string, string>) =>
    rowFailure(check, indexOf, schemaNumeric)(row(values));

  it('name the column, the value and what it should have been', () => {
    expect(message(rangeCheck('n', 1, 100), { n: '0' })).toBe('n 0 not in [1, 100]');
    expect(message(rangeCheck('n', 1, 100), { n: '' })).toBe('n null not in [1, 100]');
    expect(message(rangeCheck('n', 1, 100), { n: '5' })).toBeUndefined();
    expect(message(compareCheck('positive', 'n', '>', 0), { n: '-2' })).toBe('n -2 not > 0');
    expect(message(completenessCheck('t'), { t: 'NA' })).toBe('t is null');
    expect(message(matchesCheck('t', /^CUST\d+$/), { t: 'X1' })).toBe('t "X1" does not match /^CUST\\d+$/');
    expect(message(matchesCheck('t', /^CUST\d+$/), { t: '' })).toBeUndefined();
    expect(message(acceptedValuesCheck('sites', 't', ['north', 'south']), { t: 'west' })).toBe(
      't "west" not one of "north", "south"',
    );
    expect(message(acceptedValuesCheck('codes', 'n', [1, 2, 3, 4, 5, 6]), { n: '9' })).toBe(
      'n 9 not one of 1, 2, 3, 4, 5, …',
    );
    const total = ruleCheck('Total', 'total == n * p', { tolerance: 0.01 });
    expect(message(total, { total: '10', n: '2', p: '4' })).toBe(
      'total == n * p is false for total 10, n 2, p 4',
    );
    expect(message(total, { total: '8.005', n: '2', p: '4' })).toBeUndefined();
    expect(message(total, { total: '', n: '2', p: '4' })).toBeUndefined();
    const short = customCheck('short', ['t'], (r) => String(r.t).length < 3);
    expect(message(short, { t: 'x'.repeat(70) })).toBe(`false for t "${'x'.repeat(60)}…"`);
  });
});
