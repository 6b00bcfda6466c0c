import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { complete, rowCount, rowCountChange, schemaStable } from '../../src/api.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import type { QualityCheck } from '../../src/lib/quality/checks.ts';
import { appendHistory, type HistoryEntry, readHistory } from '../../src/lib/quality/history.ts';
import { runQualityChecks } from '../../src/lib/quality/run-checks.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

// A dataset's quality history: one object per run under `<pipeline>/history/<dataset>/date=…/`,
// read oldest first, by default the latest run of each date (by the time its report was made).

const PIPELINE = 'quality_test';
let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

/** An entry of `dataset` (default `data`) for `date`, run `runId`, made at `time` on that date. */
function entry(
  date: string,
  runId: string,
  time = '12:00:00',
  extra: Partial<HistoryEntry> = {},
): HistoryEntry {
  return {
    pipeline: PIPELINE,
    dataset: 'data',
    date,
    runId,
    suite: 'test',
    timestamp: `${date}T${time}.000Z`,
    rowCount: 1,
    overallScore: 1,
    passed: true,
    columns: {},
    checks: [],
    ...extra,
  };
}
const write = (...entries: HistoryEntry[]) => Promise.all(entries.map((e) => appendHistory(temp.lake, e)));
/** The [date, runId] of each entry read. */
const read = async (query = {}) =>
  (await readHistory(temp.lake, PIPELINE, 'data', query)).map((e) => [e.date, e.runId]);

describe('readHistory', () => {
  beforeEach(async () => {
    // Written out of order; another dataset (whose name starts the same) and a stray object beside them.
    await write(entry('2024-01-19', 'r19'), entry('2024-01-17', 'r17'), entry('2024-01-18', 'r18'));
    await write(entry('2024-01-18', 'other', '23:00:00', { dataset: 'data_old' }));
    await temp.lake.storage.put(`${lakeKeys.historyPrefix(PIPELINE, 'data')}date=2024-01-16/notes.txt`, 'x');
  });

  it('is oldest first, one dataset only, its .json objects only', async () => {
    expect(await read()).toEqual([
      ['2024-01-17', 'r17'],
      ['2024-01-18', 'r18'],
      ['2024-01-19', 'r19'],
    ]);
    expect(await readHistory(temp.lake, PIPELINE, 'nothing')).toEqual([]);
  });

  it('before (exclusive), from (inclusive), limit (the most recent dates)', async () => {
    expect(await read({ before: '2024-01-19' })).toEqual([
      ['2024-01-17', 'r17'],
      ['2024-01-18', 'r18'],
    ]);
    expect(await read({ from: '2024-01-18' })).toEqual([
      ['2024-01-18', 'r18'],
      ['2024-01-19', 'r19'],
    ]);
    expect(await read({ from: '2024-01-18', before: '2024-01-19' })).toEqual([['2024-01-18', 'r18']]);
    expect(await read({ limit: 2 })).toEqual([
      ['2024-01-18', 'r18'],
      ['2024-01-19', 'r19'],
    ]);
    expect(await read({ limit: 1, before: '2024-01-19' })).toEqual([['2024-01-18', 'r18']]);
    expect(await read({ limit: 10 })).toHaveLength(3);
    expect(await read({ limit: 0 })).toEqual([]);
  });

  it('the latest run of a date is the one whose report was made last, whatever its id', async () => {
    await write(entry('2024-01-18', 'zzz', '08:00:00'), entry('2024-01-18', 'aaa', '20:00:00'));
    // Same time: the run id decides (the greater one).
    await write(entry('2024-01-19', 'r19b'));
    expect(await read()).toEqual([
      ['2024-01-17', 'r17'],
      ['2024-01-18', 'aaa'],
      ['2024-01-19', 'r19b'],
    ]);
    // limit counts dates, not runs; allRuns keeps every run of each, in the order they were made.
    expect(await read({ allRuns: true, limit: 2 })).toEqual([
      ['2024-01-18', 'zzz'],
      ['2024-01-18', 'r18'],
      ['2024-01-18', 'aaa'],
      ['2024-01-19', 'r19'],
      ['2024-01-19', 'r19b'],
    ]);
  });
});

describe('runQualityChecks writes the history', () => {
  const CSV = [
    'id,amount,flag,day,at,name,none',
    '1,2.5,True,2024-01-20,2024-01-20 10:00:00,a,',
    '2,3,False,2024-01-19,2024-01-20,7,',
    '3,,true,,2024-01-20T11:00:00,b c,',
  ];
  const run = async (runId: string, checks: QualityCheck[], lines = CSV, batchSize?: number) => {
    await temp.lake.storage.put('data.csv', `${lines.join('\n')}\n`);
    return runQualityChecks({
      lake: temp.lake,
      pipeline: PIPELINE,
      runId,
      date: '2024-01-20',
      suite: { name: 'test', dataset: 'data', checks },
      datasetKey: 'data.csv',
      ...(batchSize ? { batchSize } : {}),
    });
  };

  it('one entry per run, beside the report, with the metrics of each check and the column types', async () => {
    const { report, historyRef } = await run('run-1', [
      complete('amount', { warn: '> 0' }),
      rowCount({ min: 5 }),
      schemaStable(),
    ]);
    expect(historyRef.key).toBe(lakeKeys.history(PIPELINE, 'data', '2024-01-20', 'run-1'));
    const [stored] = await readHistory(temp.lake, PIPELINE, 'data');
    expect(stored).toEqual({
      pipeline: PIPELINE,
      dataset: 'data',
      date: '2024-01-20',
      runId: 'run-1',
      suite: 'test',
      timestamp: report.timestamp,
      rowCount: 3,
      // (0.6667 + 0 + 1) / 3 = 0.55557 → 0.5556.
      overallScore: 0.5556,
      passed: false,
      // 'at' mixes a date and date-times: datetime; 'day' dates and a null; 'name' has a number and text.
      columns: {
        id: 'int',
        amount: 'float',
        flag: 'bool',
        day: 'date',
        at: 'datetime',
        name: 'string',
        none: 'empty',
      },
      checks: [
        {
          name: 'Completeness: amount',
          kind: 'completeness',
          outcome: 'warn',
          score: 0.6667,
          failingRows: 1,
          fraction: 1 / 3,
          value: null,
        },
        {
          name: 'Row count >= 5',
          kind: 'row_count',
          outcome: 'error',
          score: 0,
          failingRows: null,
          fraction: null,
          value: 3,
        },
        {
          name: 'Schema',
          kind: 'schema',
          outcome: 'pass',
          score: 1,
          failingRows: null,
          fraction: null,
          value: 0,
        },
      ],
    });
  });

  it('a re-run of the date adds its own entry; the later one is the date’s latest', async () => {
    await run('run-1', [rowCount({ min: 1 })]);
    await run('run-2', [rowCount({ min: 1 })], [CSV[0] as string, CSV[1] as string]);
    const all = await readHistory(temp.lake, PIPELINE, 'data', { allRuns: true });
    expect(all.map((e) => [e.runId, e.rowCount])).toEqual([
      ['run-1', 3],
      ['run-2', 1],
    ]);
    expect((await readHistory(temp.lake, PIPELINE, 'data')).map((e) => e.runId)).toEqual(['run-2']);
  });

  it('what a change check reads is what earlier runs wrote', async () => {
    await appendHistory(temp.lake, entry('2024-01-19', 'before', '12:00:00', { rowCount: 6 }));
    const { report } = await run('run-1', [rowCountChange({ error: '>= 50%' })]);
    expect([report.check_results[0]?.outcome, report.check_results[0]?.observed.value]).toEqual([
      'error',
      -50,
    ]);
  });

  it('keeps the column types a schema check read from every row, whatever the batch size', async () => {
    await run('run-1', [schemaStable()], CSV, 1);
    const [stored] = await readHistory(temp.lake, PIPELINE, 'data');
    expect(stored?.columns).toEqual({
      id: 'int',
      amount: 'float',
      flag: 'bool',
      day: 'date',
      at: 'datetime',
      name: 'string',
      none: 'empty',
    });
  });

  it('records the types as unknown without a schema check: not every value was read', async () => {
    await run('run-1', [complete('amount', { warn: '> 0' })], CSV, 1);
    const [stored] = await readHistory(temp.lake, PIPELINE, 'data');
    expect(Object.values(stored?.columns ?? {})).toEqual(Array(7).fill('unknown'));
    expect(Object.keys(stored?.columns ?? {})).toEqual(['id', 'amount', 'flag', 'day', 'at', 'name', 'none']);
  });
});
