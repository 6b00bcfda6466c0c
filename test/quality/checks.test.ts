import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataLake } from '../../src/lib/lake/data-lake.ts';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';
import {
  acceptedValuesCheck,
  compareCheck,
  completenessCheck,
  rangeCheck,
  uniquenessCheck,
} from '../../src/lib/quality/check-builders.ts';
import type { QualityCheck } from '../../src/lib/quality/checks.ts';
import { checkColumns } from '../helpers/quality-csv.ts';

// Scores worked out by hand from the seed's check lambdas on the same CSV read by pandas.
let root: string;
let lake: DataLake;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'quality-checks-'));
  lake = new DataLake(new LocalStorage(root));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs `checks` over a CSV with one column `x` (values one per row) and returns [score, status, failing]. */
async function score(values: string[], ...checks: QualityCheck[]) {
  const report = await checkColumns(lake, values, checks);
  return report.check_results.map((r) => [r.score, r.status, r.failing_rows]);
}

describe('completeness', () => {
  it('is 1 - nulls / rows, nulls being pandas NA strings', async () => {
    expect(await score(['a', '', 'NA', 'null', 'b', ' ', 'none', 'c'], completenessCheck('x'))).toEqual([
      [0.625, 'FAIL', 3],
    ]);
    expect(await score(['a', 'b'], completenessCheck('x', { threshold: 1 }))).toEqual([[1, 'PASS', 0]]);
  });
});

describe('uniqueness', () => {
  it('is distinct non-null values / rows', async () => {
    // nunique = 2 (a, b), 6 rows; Python's round(1/3, 4).
    expect(await score(['a', 'b', 'a', '', 'NA', 'b'], uniquenessCheck('x'))).toEqual([[0.3333, 'FAIL', 4]]);
  });

  it('compares numbers as numbers when the whole column is numeric, as read_csv types it', async () => {
    expect(await score(['1', '1.0', '01', '2'], uniquenessCheck('x'))).toEqual([[0.5, 'FAIL', 2]]);
    expect(await score(['1', '1.0', 'a'], uniquenessCheck('x'))).toEqual([[1, 'PASS', 0]]);
  });

  it("rounds with Python's round (a plain float), not numpy's", async () => {
    // 2469 distinct of 20000 rows = 0.12345: Python rounds to 0.1235, numpy to 0.1234.
    const values = Array.from({ length: 20_000 }, (_, i) => `v${Math.min(i, 2468)}`);
    expect(await score(values, uniquenessCheck('x'))).toEqual([[0.1235, 'FAIL', 17_531]]);
  });
});

describe('range', () => {
  it('is the share of rows with min <= value <= max; null and NaN are outside', async () => {
    expect(await score(['1', '100', '0', '101', '', '50.5', '-inf', 'inf'], rangeCheck('x', 1, 100))).toEqual(
      [[0.375, 'FAIL', 5]],
    );
  });

  it("is an ERROR with Python's message when the column holds text", async () => {
    expect(await score(['1', 'two'], rangeCheck('x', 0, 10))).toEqual([
      [0, "ERROR: '>=' not supported between instances of 'str' and 'int'", null],
    ]);
    expect(await score(['1', 'two'], rangeCheck('x', -0.5, 10))).toEqual([
      [0, "ERROR: '>=' not supported between instances of 'str' and 'float'", null],
    ]);
  });
});

describe('accepted values', () => {
  it('is the share of rows in the set; a null never is', async () => {
    const check = acceptedValuesCheck('Valid', 'x', ['Gold', 'Silver', 'NA'], { threshold: 1 });
    expect(await score(['Gold', 'Silver', 'gold', 'NA', 'Gold'], check)).toEqual([[0.6, 'FAIL', 2]]);
  });

  it('matches numbers against a numeric column and strings against a text one', async () => {
    expect(await score(['1', '2.0', '3'], acceptedValuesCheck('n', 'x', [1, 2]))).toEqual([
      [0.6667, 'FAIL', 1],
    ]);
    expect(await score(['1', '2'], acceptedValuesCheck('s', 'x', ['1', '2']))).toEqual([[0, 'FAIL', 2]]);
    expect(await score(['1', 'a'], acceptedValuesCheck('s', 'x', ['1', 1]))).toEqual([[0.5, 'FAIL', 1]]);
  });
});

describe('compare', () => {
  it('is the share of rows where the comparison holds; NaN only satisfies !=', async () => {
    const values = ['5', '0', '-1', '', '0.0'];
    expect(await score(values, compareCheck('gt', 'x', '>', 0))).toEqual([[0.2, 'FAIL', 4]]);
    expect(await score(values, compareCheck('ge', 'x', '>=', 0))).toEqual([[0.6, 'FAIL', 2]]);
    expect(await score(values, compareCheck('eq', 'x', '==', 0))).toEqual([[0.4, 'FAIL', 3]]);
    expect(await score(values, compareCheck('ne', 'x', '!=', 0, { threshold: 0.6 }))).toEqual([
      [0.6, 'PASS', 2],
    ]);
    expect(await score(values, compareCheck('lt', 'x', '<', 0))).toEqual([[0.2, 'FAIL', 4]]);
    expect(await score(values, compareCheck('le', 'x', '<=', 0))).toEqual([[0.6, 'FAIL', 2]]);
  });

  it('on a text column: == never holds, != always does, ordering is an ERROR', async () => {
    const values = ['a', '1'];
    expect(await score(values, compareCheck('eq', 'x', '==', 1))).toEqual([[0, 'FAIL', 2]]);
    expect(await score(values, compareCheck('ne', 'x', '!=', 1))).toEqual([[1, 'PASS', 0]]);
    expect(await score(values, compareCheck('gt', 'x', '>', 0))).toEqual([
      [0, "ERROR: '>' not supported between instances of 'str' and 'int'", null],
    ]);
  });
});

describe('errors as the seed reports them', () => {
  it('gives a check on a missing column an ERROR with score 0, others still run', async () => {
    expect(await score(['a'], completenessCheck('nope'), completenessCheck('x'))).toEqual([
      [0, 'ERROR: column nope not found', null],
      [1, 'PASS', 0],
    ]);
  });

  it('gives every check of an empty dataset an ERROR with score 0', async () => {
    expect(await score([], completenessCheck('x'), uniquenessCheck('x'))).toEqual([
      [0, 'ERROR: dataset is empty', null],
      [0, 'ERROR: dataset is empty', null],
    ]);
  });
});

describe('pass or fail', () => {
  it('compares the unrounded score with the threshold', async () => {
    // 19999 of 20000 complete: 0.99995 shows as 1.0 (numpy: 9999.5 rounds to even 10000) but fails 1.0.
    const values = Array.from({ length: 20_000 }, (_, i) => (i === 0 ? '' : 'a'));
    expect(await score(values, completenessCheck('x', { threshold: 1 }))).toEqual([[1, 'FAIL', 1]]);
  });
});
