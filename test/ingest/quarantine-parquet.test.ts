import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { definePipeline } from '../../src/lib/definition/define.ts';
import { fact } from '../../src/lib/definition/sources.ts';
import { InputError } from '../../src/lib/errors.ts';
import { ingestSource } from '../../src/lib/ingest/ingest.ts';
import { Quarantine, quarantineLimit } from '../../src/lib/ingest/quarantine.ts';
import { SchemaValidator } from '../../src/lib/ingest/validate.ts';
import { sha256 } from '../../src/lib/lake/data-lake.ts';
import { type DatasetFormat, lakeKeys } from '../../src/lib/lake/keys.ts';
import { refusal } from '../helpers/definition-errors.ts';
import { datasetRows, withDuckDb } from '../helpers/lake-data.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

/**
 * A quarantine declared `format: 'parquet'`: the object is `<source>.parquet`, `_row` an integer
 * column and every other a string holding the original text; a re-run in either format leaves one
 * object for the date. The quarantine is driven as ingestion drives it: the validator hands it the
 * bad rows of each batch, then the limit, `finish` and `clearStale`.
 */

const DATE = '2024-05-02';
const P = 'q_parquet';
const HEADER = ['order_id', 'ts', 'qty', 'price'];
const SCHEMA = { order_id: 'string', ts: 'datetime', qty: 'int', price: 'float' } as const;

const ordersSource = (format?: DatasetFormat) =>
  fact({
    eventTime: 'ts',
    schema: SCHEMA,
    quarantine: { limit: '> 50%', ...(format ? { format } : {}) },
  });

/** Five orders; row 2 has a bad quantity (and an empty id), row 4 an event time off the date. */
const ROWS = [
  ['O1', `${DATE} 10:00:00`, '1', '1.5'],
  ['', `${DATE} 10:00:00`, 'x', '2.5'],
  ['O3', `${DATE} 11:00:00`, '3', '3.5'],
  ['O4', '2024-05-03 00:00:00', '4', '4.5'],
  ['O5', `${DATE} 12:00:00`, '5', '5.5'],
];

let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

/** Quarantines `rows` of source `orders` declared with `format`, in batches of 2, as ingestion does. */
async function quarantineRun(format: DatasetFormat | undefined, rows: string[][] = ROWS) {
  const source = ordersSource(format);
  const limit = quarantineLimit('orders', source);
  if (limit === undefined) throw new Error('the source declares a quarantine');
  const quarantine = new Quarantine({
    lake: temp.lake,
    key: lakeKeys.quarantine(P, 'orders', DATE, source.quarantine?.format),
    header: HEADER,
    limit,
    location: { source: 'orders' },
  });
  const validator = new SchemaValidator('orders', source, { date: DATE });
  validator.checkHeader(HEADER);
  const landed: string[][] = [];
  try {
    for (let i = 0; i < rows.length; i += 2) {
      const batch = rows.slice(i, i + 2).map((row) => [...row]);
      validator.checkRows(batch, quarantine);
      landed.push(...(await quarantine.landed(batch)));
    }
    quarantine.checkLimit(rows.length);
    const result = await quarantine.finish();
    await quarantine.clearStale();
    return { result, landed, quarantine };
  } catch (error) {
    await quarantine.abort(error);
    throw error;
  }
}

const CSV_KEY = lakeKeys.quarantine(P, 'orders', DATE);
const PARQUET_KEY = lakeKeys.quarantine(P, 'orders', DATE, 'parquet');
const exists = (key: string) => temp.lake.storage.exists(key);

const readBack = (key: string) => datasetRows(temp.lake, key);

const where = (row: number, column: string) => `(source orders, row ${row}, column ${column})`;
const EXPECTED = [
  ['type:qty:int', '2', `invalid int value "x" ${where(2, 'qty')}`, '', `${DATE} 10:00:00`, 'x', '2.5'],
  [
    'event_time:ts:date',
    '4',
    `event time "2024-05-03 00:00:00" is not on the run's date ${DATE} ${where(4, 'ts')}`,
    'O4',
    '2024-05-03 00:00:00',
    '4',
    '4.5',
  ],
];

describe('a Parquet quarantine', () => {
  it('has the key lakeKeys.quarantine gives for the format, csv by default', () => {
    expect(CSV_KEY).toBe(`${P}/quarantine/orders/date=${DATE}/orders.csv`);
    expect(lakeKeys.quarantine(P, 'orders', DATE, 'csv')).toBe(CSV_KEY);
    expect(PARQUET_KEY).toBe(`${P}/quarantine/orders/date=${DATE}/orders.parquet`);
  });

  it('reads back with openDataset: the header, the rule, row and error, the rows’ original text', async () => {
    const { result, landed, quarantine } = await quarantineRun('parquet');
    expect(quarantine.format).toBe('parquet');
    expect(landed.map((row) => row[0])).toEqual(['O1', 'O3', 'O5']);
    expect(result?.byRule).toEqual({ 'type:qty:int': 1, 'event_time:ts:date': 1 });
    expect(await exists(CSV_KEY)).toBe(false);
    const back = await readBack(PARQUET_KEY);
    expect(back.header).toEqual(['_rule', '_row', '_error', ...HEADER]);
    expect(back.rows).toEqual(EXPECTED);
  });

  it('gives the same rows as the CSV quarantine, and an ObjectRef of the object’s bytes', async () => {
    const csv = await quarantineRun(undefined);
    expect(csv.quarantine.format).toBe('csv');
    expect((await readBack(CSV_KEY)).rows).toEqual(EXPECTED);
    const { result } = await quarantineRun('parquet');
    const bytes = await readFile(path.join(temp.dir, PARQUET_KEY));
    expect(result?.ref).toEqual({ key: PARQUET_KEY, rows: 2, bytes: bytes.length, sha256: sha256(bytes) });
  });

  it('is read by DuckDB with _row an integer and the input’s columns as text', async () => {
    await quarantineRun('parquet');
    const file = path.join(temp.dir, PARQUET_KEY);
    await withDuckDb(async (query) => {
      const types = await query(
        `select column_name, column_type from (describe select * from read_parquet('${file}'))`,
      );
      expect(types).toEqual([
        { column_name: '_rule', column_type: 'VARCHAR' },
        { column_name: '_row', column_type: 'BIGINT' },
        { column_name: '_error', column_type: 'VARCHAR' },
        ...HEADER.map((column_name) => ({ column_name, column_type: 'VARCHAR' })),
        // The Hive partition of the key, as DuckDB reads every lake object.
        { column_name: 'date', column_type: 'DATE' },
      ]);
      const rows = await query(
        `select _rule, _row, order_id, qty from read_parquet('${file}') where _row > 1 order by _row`,
      );
      expect(rows).toEqual([
        { _rule: 'type:qty:int', _row: 2n, order_id: null, qty: 'x' },
        { _rule: 'event_time:ts:date', _row: 4n, order_id: 'O4', qty: '4' },
      ]);
    });
  });

  it('a re-run from CSV to Parquet removes the CSV object, and back again the Parquet one', async () => {
    await quarantineRun('csv');
    expect(await exists(CSV_KEY)).toBe(true);
    await quarantineRun('parquet');
    expect(await exists(CSV_KEY)).toBe(false);
    expect(await exists(PARQUET_KEY)).toBe(true);
    await quarantineRun('csv');
    expect(await exists(PARQUET_KEY)).toBe(false);
    expect((await readBack(CSV_KEY)).rows).toEqual(EXPECTED);
  });

  it('a re-run that quarantines nothing removes either format’s object', async () => {
    const clean = ROWS.filter((_, i) => i !== 1 && i !== 3);
    await quarantineRun('csv');
    await quarantineRun('parquet', clean);
    expect(await exists(CSV_KEY)).toBe(false);
    await quarantineRun('parquet');
    const { result } = await quarantineRun('csv', clean);
    expect(result).toBeNull();
    expect(await temp.lake.storage.list(`${P}/`)).toEqual([]);
  });

  it('past the limit writes nothing and keeps the date’s earlier object', async () => {
    await quarantineRun('csv');
    const bad = ROWS.map((row) => [row[0] as string, `${DATE} 10:00:00`, 'x', '1']);
    bad[0] = ['O1', `${DATE} 10:00:00`, '1', '1'];
    const error = await quarantineRun('parquet', bad).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('QUARANTINE_LIMIT');
    expect(await temp.lake.storage.list(`${P}/`)).toEqual([CSV_KEY]);
  });

  it('refuses an input column named as one of its own columns, writing nothing', async () => {
    const source = ordersSource('parquet');
    const limit = quarantineLimit('orders', source);
    if (limit === undefined) throw new Error('the source declares a quarantine');
    const header = [...HEADER, '_row'];
    const quarantine = new Quarantine({
      lake: temp.lake,
      key: PARQUET_KEY,
      header,
      limit,
      location: { source: 'orders' },
    });
    const validator = new SchemaValidator('orders', source, { date: DATE });
    validator.checkHeader(header);
    const batch = [
      ['O1', `${DATE} 10:00:00`, '1', '1', '7'],
      ['O2', `${DATE} 10:00:00`, 'x', '1', '8'],
    ];
    validator.checkRows(batch, quarantine);
    const error = await quarantine.landed(batch).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('DUPLICATE_COLUMNS');
    expect((error as InputError).message).toContain("the input's column _row");
    await quarantine.abort(error);
    expect(await temp.lake.storage.list(`${P}/`)).toEqual([]);
  });
});

describe('a quarantine declaration’s format', () => {
  const load = (quarantine: unknown) =>
    definePipeline({
      name: P,
      sources: {
        orders: fact({ eventTime: 'ts', schema: SCHEMA, quarantine: quarantine as never }),
      },
      transform: ({ from }) => from('orders').write('out'),
    });
  const problems = (quarantine: unknown): string => refusal(() => load(quarantine)).message;

  it('takes csv and parquet', () => {
    for (const format of ['csv', 'parquet'] as const) {
      expect(load({ limit: '> 1%', format }).sources.orders?.quarantine).toEqual({ limit: '> 1%', format });
    }
  });

  it('refuses another format at load, naming the pipeline and the source', () => {
    expect(problems({ limit: '> 1%', format: 'xlsx' })).toBe(
      `pipeline ${P} is not valid:\n  - source orders: quarantine: unknown format "xlsx" (formats: csv, parquet)`,
    );
    expect(problems({ limit: '> 1%', format: 'PARQUET' })).toContain(
      'source orders: quarantine: unknown format "PARQUET" (formats: csv, parquet)',
    );
    expect(problems({ limit: '> 1%', format: 1 })).toContain(
      'source orders: quarantine: unknown format 1 (formats: csv, parquet)',
    );
  });
});

describe('ingestion with a Parquet quarantine', () => {
  it('writes the date’s quarantine as Parquet, and a CSV re-run replaces it', async () => {
    const run = async (format?: DatasetFormat) => {
      const pipeline = definePipeline({
        name: P,
        sources: { orders: ordersSource(format) },
        transform: ({ from }) => from('orders').write('out'),
      });
      const csv = [HEADER.join(','), ...ROWS.map((row) => row.join(','))].join('\n');
      await temp.lake.storage.put('in/orders.csv', `${csv}\n`);
      return ingestSource({
        lake: temp.lake,
        pipeline,
        runId: `r-${format ?? 'csv'}`,
        date: DATE,
        source: 'orders',
        input: { kind: 'lake', key: 'in/orders.csv' },
      });
    };
    const parquet = await run('parquet');
    expect(parquet.quarantine?.ref).toMatchObject({
      key: lakeKeys.quarantine(P, 'orders', DATE, 'parquet'),
      rows: 2,
    });
    const { rows } = await readBack(parquet.quarantine?.ref.key as string);
    expect(rows.map((row) => [row[0], row[1], row[3]])).toEqual([
      ['type:qty:int', '2', ''],
      ['event_time:ts:date', '4', 'O4'],
    ]);
    const csv = await run();
    expect(csv.quarantine?.ref.key).toBe(lakeKeys.quarantine(P, 'orders', DATE));
    expect(await temp.lake.storage.exists(lakeKeys.quarantine(P, 'orders', DATE, 'parquet'))).toBe(false);
  });
});
