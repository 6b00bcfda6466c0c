import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  definePipeline,
  dimension,
  fact,
  matches,
  references,
  rule,
  satisfies,
  uniqueTogether,
} from '../../src/api.ts';
import type { PipelineDefinition } from '../../src/lib/definition/define.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { matchesCheck } from '../../src/lib/quality/check-builders.ts';
import { type QualityCheck, qualityCheckSchema } from '../../src/lib/quality/checks.ts';
import type { QualityReport } from '../../src/lib/quality/report.ts';
import { runQualityChecks } from '../../src/lib/quality/run-checks.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

// The row check kinds beyond the notebook's: matches, composite uniqueness, rule, references,
// custom. Each runs over a small CSV in a temporary lake; every count is worked out by hand.

const PIPELINE = 'quality_test';
let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

/** Runs `checks` over a CSV (`lines[0]` the header) on `date`; returns the report. */
async function run(
  lines: string[],
  checks: QualityCheck[],
  options: { date?: string; definition?: PipelineDefinition; batchSize?: number } = {},
): Promise<QualityReport> {
  await temp.lake.storage.put('data.csv', `${lines.join('\n')}\n`);
  const { report } = await runQualityChecks({
    lake: temp.lake,
    pipeline: PIPELINE,
    runId: 'test',
    date: options.date ?? '2024-01-20',
    suite: { name: 'test', dataset: 'data', checks },
    datasetKey: 'data.csv',
    ...(options.definition ? { definition: options.definition } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
  });
  return report;
}

/** A CSV of column `x` (and `y`, 1 on every row: a one-column CSV would skip a null's blank line). */
const column = (values: string[]) => ['x,y', ...values.map((value) => `${value},1`)];
/** [outcome, status, failing rows, score] of each check. */
const ends = (report: QualityReport) =>
  report.check_results.map((r) => [r.outcome, r.status, r.failing_rows, r.score]);
/** Each check's samples as [row, values]. */
const sampled = (report: QualityReport) =>
  report.check_results.map((r) => r.samples.map((s) => [s.row, s.values]));

describe('matches', () => {
  it('judges non-null values whole, against a RegExp or its source', async () => {
    // Rows: CUST0001 ok, CUST12 short, xCUST0001 prefix, CUST00011 suffix, '' null (not judged), CUST9999 ok.
    const values = ['CUST0001', 'CUST12', 'xCUST0001', 'CUST00011', '', 'CUST9999'];
    const report = await run(column(values), [
      matches('x', /CUST\d{4}/),
      matches('x', '^CUST\\d{4}$', { warn: '> 0', error: '> 50%' }),
    ]);
    // 3 failing of 6 rows: score 0.5; exactly 50 % is not `> 50%`, so the levels check only warns.
    expect(ends(report)).toEqual([
      ['error', 'FAIL', 3, 0.5],
      ['warn', 'WARN', 3, 0.5],
    ]);
    expect(sampled(report)[0]).toEqual([
      [2, { x: 'CUST12' }],
      [3, { x: 'xCUST0001' }],
      [4, { x: 'CUST00011' }],
    ]);
    expect(report.check_results.map((r) => r.check_name)).toEqual([
      'Format: x /CUST\\d{4}/',
      'Format: x ^CUST\\d{4}$',
    ]);
  });

  it('named formats: email, uuid, iso_date, digits', async () => {
    const cases: [string, string[], string[]][] = [
      ['email', ['a@b.co', 'first.last+tag@mail.example.org'], ['a@b', 'a b@c.de', '@b.co', 'a@@b.co']],
      [
        'uuid',
        ['123e4567-e89b-12d3-a456-426614174000', 'ABCDEF01-2345-6789-ABCD-EF0123456789'],
        ['123e4567e89b12d3a456426614174000', '123e4567-e89b-12d3-a456-42661417400g'],
      ],
      ['iso_date', ['2024-01-20', '1999-12-31'], ['2024-1-20', '20240120', '2024-01-20 10:00:00']],
      ['digits', ['0', '007', '1234567890'], ['-7', '7a', '1.5', '1 2']],
    ];
    for (const [format, good, bad] of cases) {
      const report = await run(column([...good, ...bad]), [matches('x', format)]);
      const result = report.check_results[0];
      expect(result?.check_name).toBe(`Format: x ${format}`);
      expect(result?.failing_rows, format).toBe(bad.length);
      expect(
        result?.samples.map((s) => s.values.x),
        format,
      ).toEqual(bad);
    }
  });

  it('a column all null passes (nothing judged); an empty dataset is an ERROR', async () => {
    expect(ends(await run(column(['', '', '']), [matches('x', 'digits')]))).toEqual([['pass', 'PASS', 0, 1]]);
    expect(ends(await run(['x,y'], [matches('x', 'digits', { warn: '> 0' })]))).toEqual([
      ['warn', 'ERROR: dataset is empty', null, 0],
    ]);
  });

  it('an invalid pattern is refused by qualityCheckSchema, naming it', () => {
    const parsed = qualityCheckSchema.safeParse(matchesCheck('x', '(ab'));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/^pattern "\(ab": Invalid regular expression/);
    expect(qualityCheckSchema.safeParse(matchesCheck('x', 'digits')).success).toBe(true);
  });

  it('a value the pattern can match whole passes, whatever its first match', async () => {
    const report = await run(column(['ab', '123']), [matches('x', 'a|ab|\\d+?')]);
    expect(report.check_results[0]?.failing_rows).toBe(0);
  });
});

describe('uniqueTogether (composite uniqueness)', () => {
  it('distinct combinations per row; a null in either column fails; samples hold both columns', async () => {
    // (1,1) (1,2) (1,1) repeat, ('',2) null, (2,'') null, (2,1), ('','') null: 3 distinct of 7.
    const lines = ['a,b', '1,1', '1,2', '1,1', ',2', '2,', '2,1', ','];
    const report = await run(lines, [
      uniqueTogether(['a', 'b']),
      uniqueTogether(['a', 'b'], { error: '>= 4' }),
    ]);
    // 3 / 7 = 0.428571… → 0.4286.
    expect(ends(report)).toEqual([
      ['error', 'FAIL', 4, 0.4286],
      ['error', 'FAIL', 4, 0.4286],
    ]);
    expect(report.check_results[0]?.check_name).toBe('Uniqueness: a, b');
    expect(report.check_results[0]?.column).toBe('a, b');
    expect(sampled(report)[0]).toEqual([
      [3, { a: '1', b: '1' }],
      [4, { a: '', b: '2' }],
      [5, { a: '2', b: '' }],
      [7, { a: '', b: '' }],
    ]);
  });

  it('a repeat of one column alone is not a repeat; across batches too', async () => {
    const lines = ['a,b', 'x,1', 'x,2', 'y,1', 'y,2'];
    for (const batchSize of [1, 3])
      expect(ends(await run(lines, [uniqueTogether(['a', 'b'])], { batchSize }))).toEqual([
        ['pass', 'PASS', 0, 1],
      ]);
  });
});

describe('rule', () => {
  it('counts rows where the rule is false; nulls (and text) are not judged; == is inclusive at the tolerance', async () => {
    // t == q * p, tolerance 0.5: 6 = 6 ok; 7 vs 6 fails; '' not judged; 6.5 vs 6 exactly 0.5 ok;
    // 'abc' is read as no number, like a null: not judged; 5.25 vs 6 (0.75) fails.
    const lines = ['t,q,p', '6,2,3', '7,2,3', ',2,3', '6.5,2,3', 'abc,2,3', '5.25,2,3'];
    const report = await run(lines, [
      rule('Total', 't == q * p', { tolerance: 0.5 }),
      rule('Total exact', 't == q * p', { warn: '>= 4' }),
    ]);
    // 2 failing of 6: score 1 - 2/6 = 0.6667. Exact: 7, 6.5 and 5.25 fail (3, not >= 4).
    expect(ends(report)).toEqual([
      ['error', 'FAIL', 2, 0.6667],
      ['pass', 'PASS', 3, 0.5],
    ]);
    expect(report.check_results[0]?.column).toBe('t, q, p');
    expect(sampled(report)[0]).toEqual([
      [2, { t: '7', q: '2', p: '3' }],
      [6, { t: '5.25', q: '2', p: '3' }],
    ]);
  });

  it('division by zero in a row: a / 0 compares as Infinity, 0 / 0 fails', async () => {
    // ratio = a / b > 0: 1/0 = Infinity passes; 0/0 = NaN fails; 2/1 passes; -1/0 = -Infinity fails.
    const report = await run(['a,b', '1,0', '0,0', '2,1', '-1,0'], [rule('Ratio', 'a / b > 0')]);
    expect(report.check_results[0]?.samples.map((s) => s.row)).toEqual([2, 4]);
  });

  it('a column the rule reads that is missing is an ERROR naming it', async () => {
    expect(ends(await run(['t,q', '1,1'], [rule('Total', 't == q * p', { warn: '> 0' })]))).toEqual([
      ['warn', 'ERROR: column p not found', null, 0],
    ]);
  });
});

const SOURCES = {
  orders: fact({ eventTime: 'ts', schema: { ts: 'datetime', customer_id: 'string', sku: 'string' } }),
  customers: dimension({ key: 'customer_id', schema: { customer_id: 'string', name: 'string' } }),
  prices: dimension({ key: ['sku', 'region'], schema: { sku: 'string', region: 'string', price: 'float' } }),
};
const definition = definePipeline({
  name: PIPELINE,
  sources: SOURCES,
  transform: ({ from }) => from('orders').write('data'),
});

describe('references', () => {
  /** Writes a dimension snapshot where the ingestion would: `<pipeline>/landing/<source>/date=D/<source>.csv`. */
  const snapshot = (source: string, date: string, text: string) =>
    temp.lake.storage.put(lakeKeys.landing(PIPELINE, source, date), text);

  beforeEach(async () => {
    await snapshot('customers', '2024-01-10', 'customer_id,name\nC1,a\nC2,b\n');
    await snapshot('customers', '2024-01-19', 'customer_id,name\nC1,a\nC2,b\nC3,c\n,nameless\n');
    await snapshot('customers', '2024-01-21', 'customer_id,name\nC1,a\nC2,b\nC3,c\nC4,d\n');
  });
  const orders = ['customer_id,n', 'C1,1', 'C3,2', 'C4,3', ',4', 'C9,5', 'C2,6'];

  it('compares non-null values with the latest snapshot at or before the date', async () => {
    const check = references('customer_id', 'customers');
    // 2024-01-20 reads the 01-19 snapshot: C4 and C9 are not in it ('' is not judged).
    const on20 = await run(orders, [check], { definition });
    expect(ends(on20)).toEqual([['error', 'FAIL', 2, 0.6667]]);
    expect(sampled(on20)[0]).toEqual([
      [3, { customer_id: 'C4' }],
      [5, { customer_id: 'C9' }],
    ]);
    // On 2024-01-21 its own snapshot has C4; on 2024-01-19 the snapshot of that very date (no C4).
    expect(
      (await run(orders, [check], { definition, date: '2024-01-21' })).check_results[0]?.failing_rows,
    ).toBe(1);
    expect(
      (await run(orders, [check], { definition, date: '2024-01-19' })).check_results[0]?.failing_rows,
    ).toBe(2);
    // On 2024-01-10 only C1 and C2 exist: C3, C4, C9 fail.
    expect(
      (await run(orders, [check], { definition, date: '2024-01-10' })).check_results[0]?.failing_rows,
    ).toBe(3);
  });

  it('a missing snapshot makes the check an ERROR (at its most severe level), not a throw', async () => {
    const report = await run(orders, [references('customer_id', 'customers', { warn: '> 0' })], {
      definition,
      date: '2024-01-09',
    });
    expect(ends(report)).toEqual([
      [
        'warn',
        `ERROR: no customers landing snapshot at or before 2024-01-09 (source customers, object ${lakeKeys.landingPrefix(PIPELINE, 'customers')})`,
        null,
        0,
      ],
    ]);
    const strict = await run(orders, [references('customer_id', 'customers')], {
      definition,
      date: '2024-01-09',
    });
    expect(strict.check_results[0]?.outcome).toBe('error');
    expect(strict.passed).toBe(false);
  });

  it('the key column: the dimension key, else `key`; a composite-key dimension needs `key`', async () => {
    const lines = ['sku,customer_id', 'S1,C1', 'S2,C1', 'S9,C1'];
    await snapshot('prices', '2024-01-01', 'sku,region,price\nS1,eu,1\nS2,us,2\nS1,us,3\n');
    const report = await run(
      lines,
      [
        references('sku', 'prices', { key: 'sku' }),
        references('sku', 'prices'),
        references('customer_id', 'customers', { key: 'name' }),
      ],
      { definition },
    );
    expect(ends(report)).toEqual([
      ['error', 'FAIL', 1, 0.6667],
      ['error', 'ERROR: no key column for prices: name one with key', null, 0],
      ['error', 'FAIL', 3, 0],
    ]);
    // Without the definition, the dimension's key is unknown: `key` is needed.
    const alone = await run(lines, [
      references('customer_id', 'customers'),
      references('customer_id', 'customers', { key: 'customer_id' }),
    ]);
    expect(ends(alone)).toEqual([
      ['error', 'ERROR: no key column for customers: name one with key', null, 0],
      ['pass', 'PASS', 0, 1],
    ]);
  });

  it('a key column missing from the snapshot is an ERROR naming the snapshot', async () => {
    const report = await run(orders, [references('customer_id', 'customers', { key: 'id' })], { definition });
    expect(report.check_results[0]?.status).toBe(
      `ERROR: column id not in the customers snapshot ${lakeKeys.landing(PIPELINE, 'customers', '2024-01-19')}`,
    );
  });
});

describe('satisfies (custom)', () => {
  it('sees numbers where the text is numeric, text otherwise, null when empty', async () => {
    const seen: unknown[] = [];
    const check = satisfies('Seen', ['x', 'y'], (row) => {
      seen.push([row.x, row.y]);
      return typeof row.x === 'number';
    });
    const report = await run(['x,y', '12,a', '1.5,', 'abc,-3', ',2e3', 'NA,0'], [check]);
    expect(seen).toEqual([
      [12, 'a'],
      [1.5, null],
      ['abc', -3],
      [null, 2000],
      [null, 0],
    ]);
    // Rows 3, 4, 5 are not numbers in x: 3 of 5 fail; default threshold 1.0.
    expect(ends(report)).toEqual([['error', 'FAIL', 3, 0.4]]);
    expect(sampled(report)[0]?.[0]).toEqual([3, { x: 'abc', y: '-3' }]);
    expect(report.check_results[0]?.column).toBe('x, y');
  });

  it('levels on its failing rows, and the notebook form', async () => {
    const even = (row: { x: string | number | null }) => typeof row.x === 'number' && row.x % 2 === 0;
    // 2 of 4 odd: exactly 50 %.
    const lines = column(['2', '3', '4', '5']);
    const report = await run(lines, [
      satisfies('Even', ['x'], even, { error: '>= 50%' }),
      satisfies('Even', ['x'], even, { error: '> 50%' }),
      satisfies('Even', ['x'], even, { threshold: 0.5, severity: 'warn' }),
    ]);
    expect(ends(report)).toEqual([
      ['error', 'FAIL', 2, 0.5],
      ['pass', 'PASS', 2, 0.5],
      ['pass', 'PASS', 2, 0.5],
    ]);
  });
});

describe('a custom check whose function throws', () => {
  it('ends ERROR with the message, and the other checks still run', async () => {
    const throwing = satisfies('Throws on 2', ['x'], (row) => {
      if (row.x === 2) throw new Error('no twos');
      return true;
    });
    const report = await run(column(['1', '2']), [throwing, matchesCheck('x', '\\d')]);
    expect(ends(report)).toEqual([
      ['error', 'ERROR: the function threw: no twos', null, 0],
      ['pass', 'PASS', 0, 1],
    ]);
  });
});
