import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acceptedValuesCheck,
  compareCheck,
  completenessCheck,
  rangeCheck,
  uniquenessCheck,
} from '../../src/lib/quality/check-builders.ts';
import { type QualityCheck, qualityCheckSchema } from '../../src/lib/quality/checks.ts';
import type { QualityReport } from '../../src/lib/quality/report.ts';
import { reaches, thresholdSchema } from '../../src/lib/quality/thresholds.ts';
import { checkColumns } from '../helpers/quality-csv.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

// Warn and error thresholds on failing rows, as counts (`> N`, `>= N`) and shares (`> N%`, `>= N%`).
// Every expected value below is worked out by hand from the CSV beside it.

let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

/** Runs `checks` over a CSV with a column `x` (one value per row) and a column `y` of 1s. */
const check = (values: string[], checks: QualityCheck[], batchSize?: number): Promise<QualityReport> =>
  checkColumns(temp.lake, values, checks, { ...(batchSize ? { batchSize } : {}) });

/** [outcome, status, failing rows, share] of each check. */
const ends = (report: QualityReport) =>
  report.check_results.map((r) => [r.outcome, r.status, r.observed.failing_rows, r.observed.fraction]);

describe('the threshold language', () => {
  it('parses the four forms, with or without spaces', () => {
    const parse = (text: string) => {
      const { op, unit, value } = thresholdSchema.parse(text);
      return [op, unit, value];
    };
    expect(parse('> 0')).toEqual(['>', 'rows', 0]);
    expect(parse('>= 3')).toEqual(['>=', 'rows', 3]);
    expect(parse('> 1%')).toEqual(['>', 'percent', 1]);
    expect(parse('>= 2.5%')).toEqual(['>=', 'percent', 2.5]);
    expect(parse('>0')).toEqual(['>', 'rows', 0]);
    expect(parse(' >=1 % ')).toEqual(['>=', 'percent', 1]);
    expect(parse('> 100%')).toEqual(['>', 'percent', 100]);
  });

  it('refuses anything else, saying which forms it takes', () => {
    for (const text of [
      '',
      '0',
      '1%',
      '< 1',
      '<= 1',
      '== 1',
      '=> 1',
      '>> 1',
      '> -1',
      '> 1e3',
      '> 1.',
      '> .5',
    ]) {
      const parsed = thresholdSchema.safeParse(text);
      expect(parsed.success, text).toBe(false);
      expect(parsed.error?.issues[0]?.message).toBe(
        `threshold ${JSON.stringify(text)}: expected "> N", ">= N", "> N%" or ">= N%" (N a number)`,
      );
    }
    for (const text of ['> abc', '> 1 rows', '> 1%%', '>= 5 %s'])
      expect(thresholdSchema.safeParse(text).success).toBe(false);
    expect(thresholdSchema.safeParse('>= 101%').error?.issues[0]?.message).toBe(
      'threshold ">= 101%": a share is at most 100%',
    );
  });

  it('compares counts exactly at the boundary: `> N` is strict, `>= N` is not', () => {
    const at = (text: string, failing: number, rows: number) =>
      reaches(thresholdSchema.parse(text), failing, rows);
    expect([at('> 1', 1, 10), at('> 1', 2, 10), at('>= 1', 1, 10), at('>= 1', 0, 10)]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect([at('> 0', 0, 10), at('> 0', 1, 10), at('>= 0', 0, 10)]).toEqual([false, true, true]);
    // A count with decimals: more than 2.5 rows is 3 or more.
    expect([at('> 2.5', 2, 10), at('> 2.5', 3, 10)]).toEqual([false, true]);
  });

  it('compares shares exactly, without floating-point error', () => {
    const at = (text: string, failing: number, rows: number) =>
      reaches(thresholdSchema.parse(text), failing, rows);
    // 1 of 100 is 1 %: not more than 1 %, but at least.
    expect([at('> 1%', 1, 100), at('> 1%', 2, 100), at('>= 1%', 1, 100), at('>= 1%', 0, 100)]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    // 1 of 99 is 1.0101… %.
    expect(at('> 1%', 1, 99)).toBe(true);
    // 0.1 % and 0.3 % are not exact in binary; 1 of 1000 and 3 of 1000 are exactly at them.
    expect([at('> 0.1%', 1, 1000), at('>= 0.1%', 1, 1000), at('> 0.1%', 2, 1000)]).toEqual([
      false,
      true,
      true,
    ]);
    expect([at('> 0.3%', 3, 1000), at('>= 0.3%', 3, 1000)]).toEqual([false, true]);
    // 7 of 70 is exactly 10 %.
    expect([at('> 10%', 7, 70), at('>= 10%', 7, 70)]).toEqual([false, true]);
    expect([at('>= 100%', 5, 5), at('>= 100%', 4, 5), at('> 100%', 5, 5), at('> 0%', 1, 1_000_000)]).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });
});

describe('checks with warn and error thresholds', () => {
  // 10 rows, x null in rows 2 and 5: completeness fails 2 rows, 20 %.
  const X = ['a', '', 'b', 'c', '', 'd', 'e', 'f', 'g', 'h'];

  it('end pass, warn or error; a share exactly at `> N%` does not reach it', async () => {
    const report = await check(X, [
      completenessCheck('x', { warn: '> 0', error: '> 20%' }), // 20 % is not > 20 %: warn
      completenessCheck('x', { warn: '> 0', error: '>= 20%' }), // at least 20 %: error
      completenessCheck('x', { error: '> 2' }), // 2 rows is not > 2: pass
      completenessCheck('x', { error: '>= 2' }), // error
      completenessCheck('x', { warn: '> 1' }), // warn
      completenessCheck('x', { warn: '> 19.9%' }), // warn
      completenessCheck('y', { warn: '> 0', error: '> 0%' }), // y has no nulls: pass
    ]);
    expect(ends(report)).toEqual([
      ['warn', 'WARN', 2, 0.2],
      ['error', 'FAIL', 2, 0.2],
      ['pass', 'PASS', 2, 0.2],
      ['error', 'FAIL', 2, 0.2],
      ['warn', 'WARN', 2, 0.2],
      ['warn', 'WARN', 2, 0.2],
      ['pass', 'PASS', 0, 0],
    ]);
    // The score is the notebook's, whatever the form: 1 - 2/10.
    expect(report.check_results.map((r) => r.score)).toEqual([0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 1]);
    expect(report.passed).toBe(false);
    expect(report.warnings).toEqual(Array(3).fill('Completeness: x'));
  });

  it('report the thresholds as declared, and null for the form not used', async () => {
    const report = await check(X, [
      completenessCheck('x', { warn: '> 0', error: '> 20%' }),
      completenessCheck('x'),
    ]);
    const declared = report.check_results.map(({ threshold, severity, warn, error }) => ({
      threshold,
      severity,
      warn,
      error,
    }));
    expect(declared).toEqual([
      { threshold: null, severity: null, warn: '> 0', error: '> 20%' },
      { threshold: 0.95, severity: 'error', warn: null, error: null },
    ]);
    expect(report.checks[0]).toEqual({
      name: 'Completeness: x',
      type: 'completeness',
      kind: 'completeness',
      column: 'x',
      warn: '> 0',
      error: '> 20%',
    });
  });

  it('warnings alone keep the report passing', async () => {
    const report = await check(X, [
      completenessCheck('x', { warn: '> 0' }),
      uniquenessCheck('y', { warn: '> 50%' }),
    ]);
    // y: one distinct value of 10 rows, 9 failing (90 %).
    expect(ends(report)).toEqual([
      ['warn', 'WARN', 2, 0.2],
      ['warn', 'WARN', 9, 0.9],
    ]);
    expect(report.passed).toBe(true);
    expect(report.warnings).toEqual(['Completeness: x', 'Uniqueness: y']);
  });

  it('on every kind of check, with failing rows counted as the score counts them', async () => {
    // uniqueness: a, b, a, null, b, c: 3 distinct of 6, failing 3 (50 %: exactly at > 50 %, so warn).
    expect(
      ends(
        await check(['a', 'b', 'a', '', 'b', 'c'], [uniquenessCheck('x', { warn: '> 0', error: '> 50%' })]),
      ),
    ).toEqual([['warn', 'WARN', 3, 0.5]]);
    // range [1, 100]: 1, 100 and 50.5 in; 0, 101 and null out: 3 of 6, at >= 50 %.
    expect(
      ends(await check(['1', '100', '0', '101', '', '50.5'], [rangeCheck('x', 1, 100, { error: '>= 50%' })])),
    ).toEqual([['error', 'FAIL', 3, 0.5]]);
    // x > 0: 0 and -1 fail.
    expect(
      ends(await check(['1', '0', '-1', '2'], [compareCheck('Positive', 'x', '>', 0, { warn: '>= 2' })])),
    ).toEqual([['warn', 'WARN', 2, 0.5]]);
    // in [a, b]: c and NA fail, 50 %.
    expect(
      ends(
        await check(
          ['a', 'c', 'b', 'NA'],
          [acceptedValuesCheck('Known', 'x', ['a', 'b'], { error: '> 25%' })],
        ),
      ),
    ).toEqual([['error', 'FAIL', 2, 0.5]]);
  });

  it('on an empty dataset: not computable, so each check ends at its most severe level', async () => {
    const report = await check(
      [],
      [completenessCheck('x', { warn: '> 0', error: '> 1%' }), completenessCheck('x', { warn: '> 0' })],
    );
    expect(report.row_count).toBe(0);
    expect(ends(report)).toEqual([
      ['error', 'ERROR: dataset is empty', null, null],
      ['warn', 'ERROR: dataset is empty', null, null],
    ]);
    expect(report.check_results.map((r) => [r.score, r.failing_rows, r.samples])).toEqual([
      [0, null, []],
      [0, null, []],
    ]);
    expect(report.passed).toBe(false);
    expect(report.warnings).toEqual(['Completeness: x']);
  });

  it('on a column that is all null: every row fails, except for `!=`', async () => {
    const nulls = ['', '', 'NA', ''];
    const report = await check(nulls, [
      completenessCheck('x', { warn: '> 0', error: '> 50%' }),
      rangeCheck('x', 0, 10, { error: '>= 100%' }),
      uniquenessCheck('x', { warn: '> 3' }),
      acceptedValuesCheck('Known', 'x', ['a'], { error: '> 0' }),
      compareCheck('Not one', 'x', '!=', 1, { error: '> 0' }), // NaN != 1 holds, as in numpy
    ]);
    expect(ends(report)).toEqual([
      ['error', 'FAIL', 4, 1],
      ['error', 'FAIL', 4, 1],
      ['warn', 'WARN', 4, 1],
      ['error', 'FAIL', 4, 1],
      ['pass', 'PASS', 0, 0],
    ]);
    expect(report.check_results[0]?.samples).toEqual([
      { row: 1, values: { x: '' } },
      { row: 2, values: { x: '' } },
      { row: 3, values: { x: 'NA' } },
      { row: 4, values: { x: '' } },
    ]);
  });

  it('on a missing column: an ERROR at the most severe level declared', async () => {
    const report = await check(
      ['a'],
      [completenessCheck('nope', { warn: '> 0', error: '> 0' }), completenessCheck('nope', { warn: '> 0' })],
    );
    expect(ends(report)).toEqual([
      ['error', 'ERROR: column nope not found', null, null],
      ['warn', 'ERROR: column nope not found', null, null],
    ]);
  });
});

describe("the notebook's form keeps its meaning (score >= threshold), with an outcome", () => {
  it('a failing error check ends error, a failing warn check warn, a passing one pass', async () => {
    // 2 nulls of 4: completeness 0.5.
    const report = await check(
      ['a', '', 'b', ''],
      [
        completenessCheck('x', { threshold: 0.5 }), // 0.5 >= 0.5: PASS
        completenessCheck('x', { threshold: 0.51 }),
        completenessCheck('x', { threshold: 0.51, severity: 'warn' }),
        rangeCheck('missing', 0, 1, { severity: 'warn' }),
      ],
    );
    expect(report.check_results.map((r) => [r.status, r.outcome, r.failing_rows])).toEqual([
      ['PASS', 'pass', 2],
      ['FAIL', 'error', 2],
      ['FAIL', 'warn', 2],
      ['ERROR: column missing not found', 'warn', null],
    ]);
    expect(report.passed).toBe(false);
    expect(report.warnings).toEqual(['Completeness: x', 'Range: missing [0, 1]']);
  });

  it('a suite of warn checks only passes, with its warnings', async () => {
    const report = await check(['a', ''], [completenessCheck('x', { severity: 'warn' })]);
    expect(report.passed).toBe(true);
    expect(report.warnings).toEqual(['Completeness: x']);
  });
});

describe('a check as data declares one form', () => {
  it('refuses threshold/severity with warn/error, and neither', () => {
    const mixed = { ...completenessCheck('x'), warn: '> 0' };
    expect(qualityCheckSchema.safeParse(mixed).error?.issues.map((i) => i.message)).toEqual([
      'declare either threshold/severity (a minimum score) or warn/error (thresholds on failing rows), not both',
    ]);
    const { threshold: _t, severity: _s, ...neither } = completenessCheck('x');
    expect(qualityCheckSchema.safeParse(neither).success).toBe(false);
    expect(qualityCheckSchema.safeParse({ ...neither, error: '> 1%' }).success).toBe(true);
    expect(qualityCheckSchema.safeParse({ ...neither, error: '> 1 percent' }).success).toBe(false);
  });
});
