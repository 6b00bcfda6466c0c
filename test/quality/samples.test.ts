import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acceptedValuesCheck,
  compareCheck,
  completenessCheck,
  rangeCheck,
  uniquenessCheck,
} from '../../src/lib/quality/check-builders.ts';
import type { QualityCheck } from '../../src/lib/quality/checks.ts';
import type { QualityReport } from '../../src/lib/quality/report.ts';
import { checkColumns } from '../helpers/quality-csv.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

// Failing-row samples: the first N failing rows of each check (default 5), numbered from 1 among the
// dataset's rows (the header is not a row), with the checked column's text, whatever the batch size.

let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

/** Runs `checks` over a CSV with a column `x` (one value per row) and a column `y` of row numbers. */
const check = (values: string[], checks: QualityCheck[], batchSize?: number): Promise<QualityReport> =>
  checkColumns(temp.lake, values, checks, { y: (i) => String(i + 1), ...(batchSize ? { batchSize } : {}) });

/** Each check's sampled rows as [row, x]. */
const sampled = (report: QualityReport) =>
  report.check_results.map((r) => r.samples.map((s) => [s.row, s.values.x]));

describe('samples', () => {
  // Rows 1..7; x fails completeness in rows 2, 3 and 6, and range [0, 10] in rows 2, 3, 5, 6, 7.
  const X = ['1', '', 'NA', '4', '11', '', '-1'];
  const checks = [completenessCheck('x', { warn: '> 0' }), rangeCheck('x', 0, 10, { error: '> 50%' })];

  it('are the failing rows with their 1-based row numbers, across batch boundaries (batch size 2)', async () => {
    const report = await check(X, checks, 2);
    expect(sampled(report)).toEqual([
      [
        [2, ''],
        [3, 'NA'],
        [6, ''],
      ],
      [
        [2, ''],
        [3, 'NA'],
        [5, '11'],
        [6, ''],
        [7, '-1'],
      ],
    ]);
    // Only the checked column: the report says what the check read.
    expect(report.check_results[1]?.samples[2]).toEqual({ row: 5, values: { x: '11' } });
  });

  it('do not depend on the batch size', async () => {
    const reports = [];
    for (const size of [1, 2, 3, 512]) reports.push((await check(X, checks, size)).check_results);
    for (const results of reports.slice(1)) expect(results).toEqual(reports[0]);
  });

  it('stop at 5 by default, at the check’s or suite’s number otherwise, and 0 keeps none', async () => {
    const nulls = Array.from({ length: 12 }, () => '');
    const report = await check(
      nulls,
      [
        completenessCheck('x', { warn: '> 0' }),
        { ...completenessCheck('x', { warn: '> 0' }), samples: 2 },
        completenessCheck('x', { threshold: 1, samples: 0 }),
        completenessCheck('x', { error: '> 0', samples: 20 }),
      ],
      5,
    );
    expect(report.check_results.map((r) => r.samples.map((s) => s.row))).toEqual([
      [1, 2, 3, 4, 5],
      [1, 2],
      [],
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    ]);
    expect(report.check_results.map((r) => r.observed.failing_rows)).toEqual([12, 12, 12, 12]);
  });

  it('stay bounded however many rows fail', async () => {
    const rows = Array.from({ length: 20_000 }, () => '');
    const report = await check(rows, [completenessCheck('x', { warn: '> 0' }), uniquenessCheck('x')], 512);
    expect(report.check_results.map((r) => [r.failing_rows, r.samples.length])).toEqual([
      [20_000, 5],
      [20_000, 5],
    ]);
    expect(report.check_results[0]?.samples.at(-1)?.row).toBe(5);
  });

  it('are given for a passing check too, and are empty when no row fails', async () => {
    // 1 null of 4: completeness 0.75 passes a 0.5 threshold; its failing row is still shown.
    const report = await check(
      ['a', 'b', '', 'c'],
      [
        completenessCheck('x', { threshold: 0.5 }),
        completenessCheck('x', { error: '> 1' }),
        completenessCheck('y'),
      ],
    );
    expect(report.check_results.map((r) => [r.status, r.samples])).toEqual([
      ['PASS', [{ row: 3, values: { x: '' } }]],
      ['PASS', [{ row: 3, values: { x: '' } }]],
      ['PASS', []],
    ]);
  });

  it('are empty for a check that could not be computed', async () => {
    const report = await check(['1', 'two'], [rangeCheck('x', 0, 10), completenessCheck('nope')], 1);
    expect(report.check_results.map((r) => [r.status.slice(0, 5), r.samples])).toEqual([
      ['ERROR', []],
      ['ERROR', []],
    ]);
  });
});

describe('samples follow how pandas types the column', () => {
  it('uniqueness of numbers: repeats compared as numbers (1 == 1.0)', async () => {
    // 1, 1.0, 2, 1: distinct 2 of 4; rows 2 and 4 repeat an earlier number.
    const report = await check(['1', '1.0', '2', '1'], [uniquenessCheck('x')], 2);
    expect(report.check_results[0]?.failing_rows).toBe(2);
    expect(sampled(report)).toEqual([
      [
        [2, '1.0'],
        [4, '1'],
      ],
    ]);
  });

  it('uniqueness of text, once a text value shows (in a later batch): repeats compared as text', async () => {
    // As text 1, 1.0, 1, a: distinct 3 of 4; only row 3 repeats. Row 2 was a numeric repeat until row 4.
    const report = await check(['1', '1.0', '1', 'a'], [uniquenessCheck('x')], 2);
    expect(report.check_results[0]?.failing_rows).toBe(1);
    expect(sampled(report)).toEqual([[[3, '1']]]);
  });

  it('uniqueness: nulls fail, as nunique does not count them', async () => {
    const report = await check(['a', '', 'a', 'b', 'NA'], [uniquenessCheck('x')], 2);
    expect(sampled(report)).toEqual([
      [
        [2, ''],
        [3, 'a'],
        [5, 'NA'],
      ],
    ]);
  });

  it('compare on a column of text: `==` fails every row (the first rows are the samples), `!=` none', async () => {
    const values = ['a', '1', 'b', 'c', 'd', 'e', 'f'];
    const report = await check(
      values,
      [compareCheck('Is one', 'x', '==', 1), compareCheck('Not one', 'x', '!=', 1)],
      2,
    );
    expect(report.check_results.map((r) => [r.score, r.failing_rows])).toEqual([
      [0, 7],
      [1, 0],
    ]);
    expect(report.check_results.map((r) => r.samples.map((s) => s.row))).toEqual([[1, 2, 3, 4, 5], []]);
  });

  it('compare on numbers: NaN (null) fails all but `!=`', async () => {
    const report = await check(
      ['5', '', '0', '7'],
      [compareCheck('Positive', 'x', '>', 0), compareCheck('Not 5', 'x', '!=', 5)],
      2,
    );
    expect(sampled(report)).toEqual([
      [
        [2, ''],
        [3, '0'],
      ],
      [[1, '5']],
    ]);
  });

  it('accepted values: numbers match a numeric column, text a text column', async () => {
    // Numeric column: 1 and 2.0 are in [1, 2]; 3 and null are not.
    const numeric = await check(['1', '2.0', '3', ''], [acceptedValuesCheck('Small', 'x', [1, 2])], 2);
    expect(sampled(numeric)).toEqual([
      [
        [3, '3'],
        [4, ''],
      ],
    ]);
    // A text column (x shows in row 3): the number 1 matches nothing, the text 'x' row 3.
    const text = await check(['1', '2', 'x'], [acceptedValuesCheck('Mixed', 'x', [1, 'x'])], 2);
    expect(text.check_results[0]?.failing_rows).toBe(2);
    expect(sampled(text)).toEqual([
      [
        [1, '1'],
        [2, '2'],
      ],
    ]);
    // A numeric column and a list of text only: no row matches.
    const none = await check(['1', '2'], [acceptedValuesCheck('Text', 'x', ['1'])], 1);
    expect(sampled(none)).toEqual([
      [
        [1, '1'],
        [2, '2'],
      ],
    ]);
  });
});
