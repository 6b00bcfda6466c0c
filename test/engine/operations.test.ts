import { describe, expect, it } from 'vitest';
import {
  count,
  countDistinct,
  dateOf,
  dayName,
  dayOfWeek,
  definePipeline,
  dimension,
  fact,
  hourOf,
  hourStart,
  isWeekend,
  max,
  mean,
  min,
  round,
  sum,
} from '../../src/api.ts';
import { csv, DATE, transformCsv } from './run.ts';

// Batches of 2 rows (see run.ts), so every operation crosses batch boundaries.

const events = fact({
  eventTime: 'ts',
  schema: { id: 'string', ts: 'datetime', kind: 'string', n: 'int', x: 'float' },
});

describe('row operations', () => {
  it('dedupes on a composite key keeping the first, nulls equal to nulls', async () => {
    const pipeline = definePipeline({
      name: 'dedupe_test',
      sources: { events },
      transform: ({ from }) => from('events').dedupe(['id', 'kind']).write('out'),
    });
    const { outputs, metrics } = await transformCsv(pipeline, {
      events: csv(
        'id,ts,kind,n,x',
        'a,2024-03-02 01:00:00,k,1,1.5',
        'a,2024-03-02 02:00:00,k,2,2.5', // same (a, k): dropped
        'a,2024-03-02 03:00:00,j,3,3.5', // other kind: kept
        ',2024-03-02 04:00:00,k,4,4.5', // (null, k): kept once
        'NA,2024-03-02 05:00:00,k,5,5.5', // NA is null too: dropped
        'b,2024-03-02 06:00:00,,6,6.5',
        'b,2024-03-02 07:00:00,,7,7.5', // (b, null) again: dropped
      ),
    });
    expect(outputs.out).toBe(
      csv(
        'id,ts,kind,n,x',
        'a,2024-03-02 01:00:00,k,1,1.5',
        'a,2024-03-02 03:00:00,j,3,3.5',
        ',2024-03-02 04:00:00,k,4,4.5',
        'b,2024-03-02 06:00:00,,6,6.5',
      ),
    );
    expect(metrics.dedupe).toEqual({ removed: 3 });
  });

  it('fills nulls, normalises text, filters with typed values (NaN for a null number)', async () => {
    const pipeline = definePipeline({
      name: 'clean_test',
      sources: { events },
      transform: ({ from }) =>
        from('events')
          .fillNull({ kind: 'none' })
          .text('id', { strip: true, case: 'upper' })
          .filter((row) => !(row.x < 0))
          .write('out'),
    });
    const { outputs, metrics } = await transformCsv(pipeline, {
      events: csv(
        'id,ts,kind,n,x',
        ' a1 ,2024-03-02 01:00:00,,1,-1', // negative: dropped
        'b2,2024-03-02 02:00:00,k,2,', // x null → NaN: kept (NaN < 0 is false)
        'c3  ,2024-03-02 03:00:00,,3,0',
      ),
    });
    expect(outputs.out).toBe(
      csv('id,ts,kind,n,x', 'B2,2024-03-02 02:00:00,k,2,', 'C3,2024-03-02 03:00:00,none,3,0'),
    );
    expect(metrics.fill_null).toEqual({ filled_kind: 2 });
    expect(metrics.filter).toEqual({ removed: 1 });
  });

  it('title-cases as pandas, lower-cases, and keeps nulls null', async () => {
    const pipeline = definePipeline({
      name: 'text_test',
      sources: { events },
      transform: ({ from }) =>
        from('events')
          .text('id', { case: 'title' })
          .text('kind', { strip: true, case: 'lower' })
          .write('out'),
    });
    const { outputs } = await transformCsv(pipeline, {
      events: csv(
        'id,ts,kind,n,x',
        "o'neil 2nd-place,2024-03-02 01:00:00, MiXeD ,1,1",
        ',2024-03-02 02:00:00,,2,2',
      ),
    });
    // pandas: "o'neil 2nd-place".title() == "O'Neil 2Nd-Place"
    expect(outputs.out).toBe(
      csv('id,ts,kind,n,x', "O'Neil 2Nd-Place,2024-03-02 01:00:00,mixed,1,1", ',2024-03-02 02:00:00,,2,2'),
    );
  });

  it('parses date-times to pandas text and derives time parts once per row', async () => {
    const pipeline = definePipeline({
      name: 'time_test',
      sources: { events },
      transform: ({ from }) =>
        from('events')
          .parse({ ts: 'datetime' })
          .derive({
            day: dateOf('ts'),
            hour: hourOf('ts'),
            weekday: dayName('ts'),
            dow: dayOfWeek('ts'),
            weekend: isWeekend('ts'),
            hour_start: hourStart('ts'),
          })
          .write('out'),
    });
    const { outputs } = await transformCsv(pipeline, {
      events: csv(
        'id,ts,kind,n,x',
        'a,2024-03-02T07:05:09,k,1,1', // a Saturday; ISO 'T' is rewritten as pandas writes it
        'b,2024-03-02 23:59:59.5,k,2,2',
        'c,NaT,k,3,3',
      ),
    });
    expect(outputs.out).toBe(
      csv(
        'id,ts,kind,n,x,day,hour,weekday,dow,weekend,hour_start',
        'a,2024-03-02 07:05:09,k,1,1,2024-03-02,7,Saturday,5,true,2024-03-02 07:00:00',
        'b,2024-03-02 23:59:59.500,k,2,2,2024-03-02,23,Saturday,5,true,2024-03-02 23:00:00',
        'c,,k,3,3,,,,,false,',
      ),
    );
  });

  it('refuses date-times that mix UTC offsets, naming the row and column', async () => {
    const pipeline = definePipeline({
      name: 'zone_test',
      sources: { events },
      transform: ({ from }) => from('events').parse({ ts: 'datetime' }).write('out'),
    });
    await expect(
      transformCsv(pipeline, {
        events: csv(
          'id,ts,kind,n,x',
          'a,2024-03-02 01:00:00+01:00,k,1,1',
          'b,2024-03-02 02:00:00,k,2,2',
          'c,2024-03-02 03:00:00Z,k,3,3',
        ),
      }),
    ).rejects.toMatchObject({ code: 'MIXED_TIMEZONES', location: { row: 2, column: 'ts' } });
  });

  it('derives with functions that see the row before the step, and with a custom row function', async () => {
    const pipeline = definePipeline({
      name: 'derive_test',
      sources: { events },
      transform: ({ from }) =>
        from('events')
          .derive({ n: (row) => row.n * 10, before: (row) => row.n, ratio: (row) => round(row.x / row.n, 2) })
          .apply({ label: 'string', big: 'bool' }, (row) => ({
            label: `${row.id}-${row.n}`,
            big: row.n > 15,
          }))
          .write('out'),
    });
    const { outputs } = await transformCsv(pipeline, {
      events: csv(
        'id,ts,kind,n,x',
        'a,2024-03-02 01:00:00,k,1,2',
        'b,2024-03-02 02:00:00,k,2,1',
        'c,2024-03-02 03:00:00,k,3,',
      ),
    });
    // ratio: 2/1 = 2; 1/2 = 0.5; NaN/3 = NaN (written empty). n is replaced in place.
    expect(outputs.out).toBe(
      csv(
        'id,ts,kind,n,x,before,ratio,label,big',
        'a,2024-03-02 01:00:00,k,10,2,1,2,a-10,false',
        'b,2024-03-02 02:00:00,k,20,1,2,0.5,b-20,true',
        'c,2024-03-02 03:00:00,k,30,,3,,c-30,true',
      ),
    );
  });
});

const sites = dimension({
  key: ['region', 'site'],
  schema: { region: 'string', site: 'string', capacity: 'float', name: 'string' },
});
const readings = fact({
  eventTime: 'ts',
  schema: { ts: 'datetime', region: 'string', site: 'string', v: 'float' },
});

describe('lookup', () => {
  const pipeline = definePipeline({
    name: 'lookup_test',
    sources: { readings, sites },
    transform: ({ from }) =>
      from('readings')
        .lookup('sites', { take: ['capacity', 'name'] })
        .derive({ load: (row) => row.v / row.capacity })
        .write('out'),
  });

  it('joins a composite key, keeps the row count, and gives nulls for a key not found', async () => {
    const { outputs, metrics } = await transformCsv(pipeline, {
      readings: csv(
        'ts,region,site,v',
        '2024-03-02 01:00:00,eu,s1,5',
        '2024-03-02 02:00:00,eu,s2,5',
        '2024-03-02 03:00:00,us,s1,8',
      ),
      sites: csv('region,site,capacity,name', 'eu,s1,10,Berlin', 'us,s1,4,Austin', 'eu,s9,1,Nowhere'),
    });
    expect(outputs.out).toBe(
      csv(
        'ts,region,site,v,capacity,name,load',
        '2024-03-02 01:00:00,eu,s1,5,10,Berlin,0.5',
        '2024-03-02 02:00:00,eu,s2,5,,,',
        '2024-03-02 03:00:00,us,s1,8,4,Austin,2',
      ),
    );
    expect(metrics.lookup_sites).toEqual({ matched: 2, unmatched: 1 });
  });

  it('refuses a dimension snapshot with a duplicate key, naming the rows', async () => {
    await expect(
      transformCsv(pipeline, {
        readings: csv('ts,region,site,v', '2024-03-02 01:00:00,eu,s1,5'),
        sites: csv('region,site,capacity,name', 'eu,s1,10,Berlin', 'eu,s1,12,Bonn'),
      }),
    ).rejects.toMatchObject({ code: 'DUPLICATE_KEY', location: { source: 'sites', row: 2 } });
  });

  it('refuses rows that already have a column the lookup adds', async () => {
    await expect(
      transformCsv(pipeline, {
        readings: csv('ts,region,site,v,name', '2024-03-02 01:00:00,eu,s1,5,x'),
        sites: csv('region,site,capacity,name', 'eu,s1,10,Berlin'),
      }),
    ).rejects.toMatchObject({ code: 'COLUMN_CONFLICT' });
  });
});

describe('aggregate', () => {
  const pipeline = definePipeline({
    name: 'aggregate_test',
    sources: { events },
    transform: ({ from }) =>
      from('events')
        .derive({ hour: hourOf('ts') })
        .aggregate({
          by: ['hour', 'kind'],
          measures: {
            rows: count(),
            ids: count('id'),
            distinct_ids: countDistinct('id'),
            total: sum('x'),
            avg: mean('x', { round: 2 }),
            low: min('n'),
            high: max('n'),
          },
        })
        .derive({ per_row: (group) => round(group.total / group.rows, 1) })
        .write('out'),
  });

  it('groups by key (nulls dropped, numbers sorted as numbers) with every measure', async () => {
    const { outputs, metrics } = await transformCsv(pipeline, {
      events: csv(
        'id,ts,kind,n,x',
        'a,2024-03-02 10:00:00,k,5,1.25',
        'a,2024-03-02 10:30:00,k,7,',
        ',2024-03-02 10:45:00,k,1,2.5',
        'b,2024-03-02 09:00:00,k,3,4',
        'c,2024-03-02 09:10:00,,3,4', // null kind: no group
        'd,2024-03-02 10:00:00,j,2,1',
      ),
    });
    // hour 9 sorts before hour 10 (as numbers; as text "10" < "9").
    // (10, k): rows 3, ids 2 (one null), distinct 1 (a), total 1.25 + 2.5 = 3.75 (null skipped),
    // mean 3.75 / 2 = 1.875 → 1.88 (half to even: 187.5 → 188), min 1, max 7, per_row 3.75 / 3 = 1.25 → 1.2.
    expect(outputs.out).toBe(
      csv(
        'hour,kind,rows,ids,distinct_ids,total,avg,low,high,per_row',
        '9,k,1,1,1,4,4,3,3,4',
        '10,j,1,1,1,1,1,2,2,1',
        '10,k,3,2,1,3.75,1.88,1,7,1.2',
      ),
    );
    expect(metrics.aggregate).toEqual({ groups: 3, rows_without_key: 1 });
  });

  it('writes headers only for an input with no rows', async () => {
    const { outputs } = await transformCsv(pipeline, { events: csv('id,ts,kind,n,x') });
    expect(outputs.out).toBe(csv('hour,kind,rows,ids,distinct_ids,total,avg,low,high,per_row'));
  });
});

describe('writes and missing columns', () => {
  it('writes datasets at any point of the chain, each with the columns it had there', async () => {
    const pipeline = definePipeline({
      name: 'writes_test',
      sources: { events },
      transform: ({ from }) =>
        from('events')
          .write('raw')
          .derive({ double: (row) => row.n * 2 })
          .write('with_double')
          .filter((row) => row.n > 1)
          .fillNull({ kind: '-' })
          .write('filtered'),
    });
    const { outputs, result } = await transformCsv(pipeline, {
      events: csv(
        'id,ts,kind,n,x',
        'a,2024-03-02 01:00:00,,1,1',
        'b,2024-03-02 02:00:00,"k,q",2,2',
        'c,2024-03-02 03:00:00,,3,3',
      ),
    });
    expect(outputs.raw).toBe(
      csv(
        'id,ts,kind,n,x',
        'a,2024-03-02 01:00:00,,1,1',
        'b,2024-03-02 02:00:00,"k,q",2,2',
        'c,2024-03-02 03:00:00,,3,3',
      ),
    );
    expect(outputs.with_double).toBe(
      csv(
        'id,ts,kind,n,x,double',
        'a,2024-03-02 01:00:00,,1,1,2',
        'b,2024-03-02 02:00:00,"k,q",2,2,4',
        'c,2024-03-02 03:00:00,,3,3,6',
      ),
    );
    expect(outputs.filtered).toBe(
      csv('id,ts,kind,n,x,double', 'b,2024-03-02 02:00:00,"k,q",2,2,4', 'c,2024-03-02 03:00:00,-,3,3,6'),
    );
    expect(result.outputs.filtered).toMatchObject({
      key: `writes_test/datasets/filtered/date=${DATE}/filtered.csv`,
      rows: 2,
    });
  });

  it('names an optional source column a step needs but the input lacks', async () => {
    const pipeline = definePipeline({
      name: 'missing_test',
      sources: { events },
      transform: ({ from }) => from('events').dedupe('kind').write('out'),
    });
    await expect(
      transformCsv(pipeline, { events: csv('id,ts,n,x', 'a,2024-03-02 01:00:00,1,1') }),
    ).rejects.toMatchObject({
      code: 'MISSING_COLUMN',
      location: { column: 'kind' },
    });
  });

  it('refuses a number column holding text, naming the row', async () => {
    const pipeline = definePipeline({
      name: 'number_test',
      sources: { events },
      transform: ({ from }) =>
        from('events')
          .filter((row) => row.x > 0)
          .write('out'),
    });
    await expect(
      transformCsv(pipeline, {
        events: csv(
          'id,ts,kind,n,x',
          'a,2024-03-02 01:00:00,k,1,1',
          'b,2024-03-02 01:00:00,k,1,1',
          'c,2024-03-02 01:00:00,k,1,abc',
        ),
      }),
    ).rejects.toMatchObject({ code: 'INVALID_NUMBER', location: { row: 3, column: 'x' } });
  });
});
