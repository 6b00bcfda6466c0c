import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  definePipeline,
  fact,
  fresh,
  matches,
  rowCount,
  rowCountChange,
  schemaStable,
} from '../../src/api.ts';
import type { PipelineDefinition } from '../../src/lib/definition/define.ts';
import { decideStatus, type StepRecord } from '../../src/lib/pipeline/run-record.ts';
import { freshnessCheck } from '../../src/lib/quality/check-builders.ts';
import { type QualityCheck, qualityCheckSchema } from '../../src/lib/quality/checks.ts';
import { appendHistory, type HistoryEntry } from '../../src/lib/quality/history.ts';
import type { QualityReport } from '../../src/lib/quality/report.ts';
import { runQualityChecks } from '../../src/lib/quality/run-checks.ts';
import { durationThresholdSchema, reachesAmount, thresholdSchema } from '../../src/lib/quality/thresholds.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

// The dataset check kinds (row_count, row_count_change, freshness, schema), the thresholds they use,
// and blocking checks. Each runs over a small CSV in a temporary lake, with its history written as a
// run would write it; every expected value is worked out by hand.

const PIPELINE = 'quality_test';
const DATE = '2024-01-20';
let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

async function run(
  lines: string[],
  checks: QualityCheck[],
  definition?: PipelineDefinition,
): Promise<QualityReport> {
  await temp.lake.storage.put('data.csv', `${lines.join('\n')}\n`);
  const { report } = await runQualityChecks({
    lake: temp.lake,
    pipeline: PIPELINE,
    runId: 'today',
    date: DATE,
    suite: { name: 'test', dataset: 'data', checks },
    datasetKey: 'data.csv',
    ...(definition ? { definition } : {}),
  });
  return report;
}

/** A CSV of `n` rows of column `x`. */
const rows = (n: number) => ['x', ...Array.from({ length: n }, (_, i) => String(i))];
/** `outcome status value` of each check. */
const ends = (report: QualityReport) =>
  report.check_results.map((r) => `${r.outcome} ${r.status} ${r.observed.value}`);

/** Writes a history entry as an earlier run would have. */
function history(date: string, rowCount: number, extra: Partial<HistoryEntry> = {}) {
  return appendHistory(temp.lake, {
    pipeline: PIPELINE,
    dataset: 'data',
    date,
    runId: `run-${date}`,
    suite: 'test',
    timestamp: `${date}T12:00:00.000Z`,
    rowCount,
    overallScore: 1,
    passed: true,
    columns: { x: 'int' },
    checks: [],
    ...extra,
  });
}

describe('row_count', () => {
  it('min and max are inclusive; outside ends at severity (default error)', async () => {
    const checks = [
      rowCount({ min: 3 }),
      rowCount({ max: 3 }),
      rowCount({ min: 4 }),
      rowCount({ max: 2, severity: 'warn' }),
      rowCount({ min: 3, max: 3 }),
    ];
    const report = await run(rows(3), checks);
    expect(ends(report)).toEqual([
      'pass PASS 3',
      'pass PASS 3',
      'error FAIL 3',
      'warn WARN 3',
      'pass PASS 3',
    ]);
    expect(report.check_results.map((r) => [r.check_name, r.column, r.severity, r.observed.detail])).toEqual([
      ['Row count >= 3', null, 'error', '3 rows, expected [3, ∞]'],
      ['Row count <= 3', null, 'error', '3 rows, expected [0, 3]'],
      ['Row count >= 4', null, 'error', '3 rows, expected [4, ∞]'],
      ['Row count <= 2', null, 'warn', '3 rows, expected [0, 2]'],
      ['Row count [3, 3]', null, 'error', '3 rows, expected [3, 3]'],
    ]);
    expect(report.warnings).toEqual(['Row count <= 2']);
    expect(report.passed).toBe(false);
  });

  it('an empty dataset has 0 rows', async () => {
    const report = await run(['x'], [rowCount({ min: 1 }), rowCount({ max: 0 })]);
    expect(ends(report)).toEqual(['error FAIL 0', 'pass PASS 0']);
  });
});

describe('row_count_change', () => {
  const earlier = async () => {
    for (const date of ['2024-01-17', '2024-01-18', '2024-01-19']) await history(date, 100);
  };

  it('50 rows against 100, 100, 100 is -50%: > 40% and >= 50% are errors, > 50% is not', async () => {
    await earlier();
    const report = await run(rows(50), [
      rowCountChange({ error: '> 40%' }),
      rowCountChange({ error: '>= 50%' }),
      rowCountChange({ warn: '> 20%', error: '> 50%' }),
      rowCountChange({ error: '>= 50' }),
      rowCountChange({ warn: '> 50' }),
    ]);
    expect(ends(report)).toEqual([
      'error FAIL -50',
      'error FAIL -50',
      'warn WARN -50',
      'error FAIL -50',
      'pass PASS -50',
    ]);
    expect(report.check_results[0]?.observed.detail).toBe(
      '50 rows against a mean of 100 over 3 runs (2024-01-17, 2024-01-18, 2024-01-19): -50%',
    );
    expect(report.check_results[0]?.check_name).toBe('Row count change over 3 runs');
  });

  it('with no earlier runs it passes; a run of the same date is not an earlier run', async () => {
    await history(DATE, 1000);
    expect(ends(await run(rows(50), [rowCountChange({ error: '> 0' })]))).toEqual(['pass PASS null']);
  });

  it('only the latest run of each date counts, by timestamp', async () => {
    await earlier();
    // Two more runs of 01-19: 'aaa' made last (100 rows) wins over 'zzz' made earlier (10 rows).
    await history('2024-01-19', 10, { runId: 'zzz', timestamp: '2024-01-19T08:00:00.000Z' });
    await history('2024-01-19', 100, { runId: 'aaa', timestamp: '2024-01-19T20:00:00.000Z' });
    expect(ends(await run(rows(50), [rowCountChange({ error: '>= 50%' })]))).toEqual(['error FAIL -50']);
  });

  it('`runs` limits the dates compared with, the most recent', async () => {
    await history('2024-01-16', 1000);
    await earlier();
    const report = await run(rows(50), [
      rowCountChange({ runs: 1, error: '>= 50%' }),
      rowCountChange({ error: '>= 50%' }),
      // 4 runs: mean (1000 + 300) / 4 = 325; (50 - 325) / 325 = -84.615…%.
      rowCountChange({ runs: 4, error: '> 84.6%' }),
      rowCountChange({ runs: 4, error: '> 84.7%' }),
    ]);
    expect(ends(report)).toEqual([
      'error FAIL -50',
      'error FAIL -50',
      'error FAIL -84.62',
      'pass PASS -84.62',
    ]);
    expect(report.check_results[2]?.check_name).toBe('Row count change over 4 runs');
  });

  it('no change against a mean of 0 is not an error', async () => {
    for (const date of ['2024-01-17', '2024-01-18', '2024-01-19']) await history(date, 0);
    expect(ends(await run(['x'], [rowCountChange({ error: '> 50%' })]))).toEqual(['pass PASS 0']);
  });
});

describe('freshness', () => {
  // The latest ts is 18:00 on the date (written in +02:00 as 20:00): 6 h before its end.
  const lines = ['ts,y', '2024-01-20 06:00:00,1', '2024-01-20T20:00:00+02:00,2', ',3', 'soon,4'];

  it('the lag is the end of the date minus the latest time: > 6h passes at 6 h, >= 6h does not', async () => {
    const report = await run(lines, [
      fresh('ts', { error: '> 6h' }),
      fresh('ts', { error: '>= 6h' }),
      fresh('ts', { warn: '> 5h', error: '> 6h' }),
      fresh('ts', { error: '>= 360m' }),
      fresh('ts', { error: '> 360m' }),
      fresh('ts', { error: '>= 0.25d' }),
      fresh('ts', { warn: '> 1d' }),
    ]);
    expect(ends(report)).toEqual([
      'pass PASS 6',
      'error FAIL 6',
      'warn WARN 6',
      'error FAIL 6',
      'pass PASS 6',
      'error FAIL 6',
      'pass PASS 6',
    ]);
    expect(report.check_results[0]?.observed.detail).toBe(
      'latest ts 2024-01-20 18:00:00, 6 h before the end of 2024-01-20',
    );
    expect(report.check_results[0]?.column).toBe('ts');
  });

  it('a date is its midnight: 24 h before the end of the date', async () => {
    const report = await run(
      ['ts', '2024-01-19', '2024-01-20'],
      [fresh('ts', { error: '> 1d' }), fresh('ts', { error: '>= 1d' })],
    );
    expect(ends(report)).toEqual(['pass PASS 24', 'error FAIL 24']);
  });

  it('a column all null, a missing column and an empty dataset are ERRORs', async () => {
    const check = fresh('ts', { warn: '> 1h' });
    expect(ends(await run(['ts,y', ',1', ',2'], [check]))).toEqual([
      'error ERROR: column ts has no time values null',
    ]);
    expect(ends(await run(['y', '1'], [check]))).toEqual(['error ERROR: column ts not found null']);
    expect(ends(await run(['ts'], [check]))).toEqual(['error ERROR: column ts has no time values null']);
  });

  it('duration thresholds: m, h, d; anything else is refused naming the forms', () => {
    expect(durationThresholdSchema.parse('> 6h')).toEqual({ text: '> 6h', op: '>', ms: 21_600_000 });
    expect(durationThresholdSchema.parse('>=30m').ms).toBe(1_800_000);
    expect(durationThresholdSchema.parse(' > 1.5d ').ms).toBe(129_600_000);
    for (const text of ['> 6', '6h', '> 6s', '< 6h', '> -1h', '> 6 hours', '> 6%', ''])
      expect(durationThresholdSchema.safeParse(text).error?.issues[0]?.message, text).toBe(
        `threshold ${JSON.stringify(text)}: expected "> N" or ">= N" followed by m, h or d, e.g. "> 6h"`,
      );
    expect(qualityCheckSchema.safeParse(freshnessCheck('ts', { error: '> 6' })).success).toBe(false);
    expect(qualityCheckSchema.safeParse(freshnessCheck('ts', { error: '> 10%' })).success).toBe(false);
  });
});

describe('reachesAmount', () => {
  const at = (text: string, amount: number, base: number) =>
    reachesAmount(thresholdSchema.parse(text), amount, base);
  it('shares exactly at the threshold, whatever the rounding of amount / base', () => {
    expect([at('> 40%', 50, 100), at('>= 50%', 50, 100), at('> 50%', 50, 100)]).toEqual([true, true, false]);
    // 3 / 10 * 100 is 30.000000000000004 and 7 / 100 * 100 is 7.000000000000001 in floating point.
    expect([at('>= 30%', 3, 10), at('> 30%', 3, 10), at('> 7%', 7, 100), at('> 33.3%', 1, 3)]).toEqual([
      true,
      false,
      false,
      true,
    ]);
  });
  it('rows compare the amount itself; a share of a base of 0 is infinite', () => {
    expect([at('> 50', 50, 7), at('>= 50', 50, 7), at('> 49.5', 50, 0)]).toEqual([false, true, true]);
    expect(at('> 100%', 1, 0)).toBe(true);
  });
});

describe('schema', () => {
  const definition = definePipeline({
    name: PIPELINE,
    sources: {
      readings: fact({
        eventTime: 'ts',
        schema: { device_id: 'string', ts: 'datetime', temp_c: 'float', site_code: 'string' },
      }),
    },
    transform: ({ from }) => from('readings').write('data'),
  });
  const header = 'device_id,ts,temp_c,site_code';

  it('as declared: a string column may hold numbers, a float column ints; an all-null column anything', async () => {
    const lines = [
      header,
      'D1,2024-01-20 10:00:00,20,12',
      'D2,2024-01-20 11:00:00,20.5,',
      'D3,2024-01-20 12:00:00,,7',
    ];
    expect(ends(await run(lines, [schemaStable()], definition))).toEqual(['pass PASS 0']);
    expect((await run([header, 'D1,,,'], [schemaStable()], definition)).check_results[0]?.outcome).toBe(
      'pass',
    );
  });

  it('removed and retyped are errors, added a warning, by default; each against what', async () => {
    const removed = await run(
      ['device_id,ts,temp_c,extra', 'D1,2024-01-20 10:00:00,abc,1'],
      [schemaStable()],
      definition,
    );
    expect(ends(removed)).toEqual(['error FAIL 3']);
    expect(removed.check_results[0]?.observed.detail).toBe(
      'temp_c float → string (against the declared); site_code removed (against the declared); extra added (against the declared)',
    );
    const added = await run(
      [`${header},extra`, 'D1,2024-01-20 10:00:00,1.5,N,x'],
      [schemaStable()],
      definition,
    );
    expect(ends(added)).toEqual(['warn WARN 1']);
  });

  it('custom lists decide which changes warn and which are errors', async () => {
    const lines = [`${header},extra`, 'D1,2024-01-20 10:00:00,1.5,N,x'];
    const report = await run(
      lines,
      [
        schemaStable({ error: ['added'] }),
        schemaStable({ warn: [], error: [] }),
        schemaStable({ warn: ['removed'] }),
      ],
      definition,
    );
    // An explicit warn list drops the default `added` warning: only removed warns.
    expect(ends(report).map((end) => end.split(' ')[0])).toEqual(['error', 'pass', 'pass']);
  });

  it('against the previous run: int → float is retyped, float → int is not', async () => {
    // Without history nor definition there is nothing to compare with.
    expect(ends(await run(['x,y', '1.5,2'], [schemaStable()]))).toEqual(['pass PASS 0']);
    await history('2024-01-19', 2, { columns: { x: 'int', y: 'float' } });
    const report = await run(['x,y', '1.5,2', '2,3'], [schemaStable()]);
    expect(ends(report)).toEqual(['error FAIL 1']);
    expect(report.check_results[0]?.observed.detail).toBe('x int → float (against the previous run)');
  });
});

describe('blocking', () => {
  const steps = (): StepRecord[] =>
    (['transform', 'quality'] as const).map((queue) => ({
      name: queue,
      queue,
      jobId: queue,
      required: queue === 'transform',
      status: 'success',
      attempts: 1,
      startedAt: null,
      endedAt: null,
      durationMs: null,
    }));

  it('a blocking check that ends error is in report.blocked and fails the run; not when it only warns', async () => {
    const lines = ['x', '1', 'a'];
    const blocking = await run(lines, [
      matches('x', 'digits', { error: '> 0', blocking: true }),
      rowCount({ min: 5, blocking: true, name: 'At least 5' }),
      matches('x', 'digits', { warn: '> 0', blocking: true }),
    ]);
    expect(blocking.blocked).toEqual(['Format: x digits', 'At least 5']);
    expect(blocking.check_results.map((r) => r.blocking)).toEqual([true, true, true]);
    expect(decideStatus(steps(), blocking)).toBe('failed');

    const gate = await run(lines, [matches('x', 'digits', { error: '> 0' })]);
    expect([gate.passed, gate.blocked]).toEqual([false, []]);
    expect(decideStatus(steps(), gate)).toBe('partial');

    const warned = await run(lines, [matches('x', 'digits', { warn: '> 0', blocking: true })]);
    expect([warned.passed, warned.blocked, warned.warnings]).toEqual([true, [], ['Format: x digits']]);
    expect(decideStatus(steps(), warned)).toBe('success');
  });
});
