import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Schema } from '../../src/lib/definition/schema.ts';
import { InputError } from '../../src/lib/errors.ts';
import { type ParquetTable, readParquetObject } from '../../src/lib/lake/parquet-reader.ts';
import {
  type ParquetCell,
  ParquetObjectWriter,
  type ParquetWriterOptions,
} from '../../src/lib/lake/parquet-writer.ts';
import type { StorageBackend } from '../../src/lib/lake/storage.ts';
import { withTempLake } from '../helpers/temp-lake.ts';

const SCHEMA: Schema = {
  id: 'int',
  price: 'float',
  name: 'string',
  active: 'bool',
  day: 'date',
  at: 'datetime',
};

async function writeRows(
  storage: StorageBackend,
  key: string,
  schema: Schema,
  batches: readonly (readonly (readonly ParquetCell[])[])[],
  options: ParquetWriterOptions = {},
) {
  const writer = new ParquetObjectWriter(storage, key, schema, options);
  try {
    for (const batch of batches) await writer.write(batch);
    return await writer.finish();
  } catch (error) {
    await writer.abort(error);
    throw error;
  }
}

async function allRows(table: ParquetTable): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const batch of table.batches) rows.push(...batch);
  return rows;
}

/** A backend that is not a LocalStorage, so the reader spools objects as it does from S3. */
function remoteLike(storage: StorageBackend): StorageBackend {
  return {
    url: `remote+${storage.url}`,
    get: (key) => storage.get(key),
    put: (key, data) => storage.put(key, data),
    putStream: (key, body, signal) => storage.putStream(key, body, signal),
    getStream: (key) => storage.getStream(key),
    exists: (key) => storage.exists(key),
    list: (prefix) => storage.list(prefix),
    delete: (key) => storage.delete(key),
    close: () => storage.close(),
  };
}

const KEY = 'demo/datasets/sales/date=2024-01-20/sales.parquet';

describe('ParquetObjectWriter and readParquetObject', () => {
  it('round-trips every column type from text cells, nulls included, as the CSV cells the product writes', async () => {
    await withTempLake(async ({ lake }) => {
      const rows = [
        ['1', '19.99', 'Widget', 'true', '2024-01-20', '2024-01-20 10:15:00'],
        [
          '-42',
          '0.1',
          'with, comma "and" quotes\nnewline',
          'false',
          '1969-12-31',
          '1969-12-31 23:59:59.250000',
        ],
        ['9007199254740993', '1e+21', 'ünïcödé ✓', 'True', '2024-02-29', '2024-01-20T10:15:00.123456'],
        ['3.0', '-0.5', 'NA', 'FALSE', '1900-01-01', '2024-01-20 12:00:00+02:00'],
        ['', '', '', '', '', ''],
        ['NaN', 'nan', '', 'null', 'N/A', 'None'],
        ['0', 'inf', ' padded ', 'true', '2024-01-20 00:00:00', '2024-01-20'],
      ];
      const ref = await writeRows(lake.storage, KEY, SCHEMA, [rows.slice(0, 3), rows.slice(3)]);
      expect(ref).toMatchObject({ key: KEY, rows: rows.length });

      const table = await readParquetObject(lake.storage, KEY);
      expect(table.header).toEqual(Object.keys(SCHEMA));
      expect(table.schema).toEqual(SCHEMA);
      expect(table.rows).toBe(rows.length);
      expect(table.rowGroups).toBe(1);
      expect(await allRows(table)).toEqual([
        ['1', '19.99', 'Widget', 'true', '2024-01-20', '2024-01-20 10:15:00'],
        [
          '-42',
          '0.1',
          'with, comma "and" quotes\nnewline',
          'false',
          '1969-12-31',
          '1969-12-31 23:59:59.250000',
        ],
        ['9007199254740993', '1e+21', 'ünïcödé ✓', 'true', '2024-02-29', '2024-01-20 10:15:00.123456'],
        ['3', '-0.5', 'NA', 'false', '1900-01-01', '2024-01-20 10:00:00'],
        ['', '', '', '', '', ''],
        ['', '', '', '', '', ''],
        ['0', 'inf', ' padded ', 'true', '2024-01-20', '2024-01-20 00:00:00'],
      ]);
    });
  });

  it('takes typed values as operations hold them (numbers, NaN as null, booleans, null)', async () => {
    await withTempLake(async ({ lake }) => {
      const rows: ParquetCell[][] = [
        [7, 2.5, 'x', true, '2024-01-20', '2024-01-20 01:02:03'],
        [Number.NaN, Number.NaN, null, null, null, null],
        [12n, 1 / 3, 42, false, '2024-01-21', '2024-01-21 00:00:00.5'],
        [-0, Number.NEGATIVE_INFINITY, true, false, '2024-01-22', '2024-01-22 23:59:59.999999'],
      ];
      await writeRows(lake.storage, KEY, SCHEMA, [rows]);
      const table = await readParquetObject(lake.storage, KEY);
      expect(await allRows(table)).toEqual([
        ['7', '2.5', 'x', 'true', '2024-01-20', '2024-01-20 01:02:03'],
        ['', '', '', '', '', ''],
        ['12', '0.3333333333333333', '42', 'false', '2024-01-21', '2024-01-21 00:00:00.500000'],
        ['0', '-inf', 'true', 'false', '2024-01-22', '2024-01-22 23:59:59.999999'],
      ]);
    });
  });

  it('writes a dataset larger than one row group, in order, with bounded groups, and reads it group by group', async () => {
    await withTempLake(async ({ lake }) => {
      const total = 2_500;
      const row = (i: number): string[] => [
        String(i),
        String(i / 4),
        `name-${i % 7}`,
        String(i % 2 === 0),
        '2024-01-20',
        `2024-01-20 00:00:${String(i % 60).padStart(2, '0')}`,
      ];
      const batches: string[][][] = [];
      for (let from = 0; from < total; from += 300) {
        batches.push(Array.from({ length: Math.min(300, total - from) }, (_, k) => row(from + k)));
      }
      const ref = await writeRows(lake.storage, KEY, SCHEMA, batches, { rowGroupRows: 1_000 });
      expect(ref.rows).toBe(total);

      const table = await readParquetObject(lake.storage, KEY, { batchSize: 256 });
      expect(table.rowGroups).toBe(3);
      const sizes: number[] = [];
      const rows: string[][] = [];
      for await (const batch of table.batches) {
        sizes.push(batch.length);
        rows.push(...batch);
      }
      expect(Math.max(...sizes)).toBeLessThanOrEqual(256);
      expect(rows).toEqual(Array.from({ length: total }, (_, i) => row(i)));
    });
  });

  it('closes a row group by its estimated bytes too', async () => {
    await withTempLake(async ({ lake }) => {
      const long = 'x'.repeat(1_000);
      const rows = Array.from({ length: 100 }, (_, i) => [String(i), long]);
      await writeRows(lake.storage, KEY, { id: 'int', text: 'string' }, [rows], { rowGroupBytes: 20_000 });
      const table = await readParquetObject(lake.storage, KEY);
      expect(table.rowGroups).toBeGreaterThanOrEqual(9);
      expect(await allRows(table)).toEqual(rows);
    });
  });

  it('writes and reads an empty dataset: the header and types, no rows', async () => {
    await withTempLake(async ({ lake }) => {
      const ref = await writeRows(lake.storage, KEY, SCHEMA, []);
      expect(ref.rows).toBe(0);
      expect(ref.bytes).toBeGreaterThan(8);
      const table = await readParquetObject(lake.storage, KEY);
      expect(table).toMatchObject({ header: Object.keys(SCHEMA), schema: SCHEMA, rows: 0, rowGroups: 0 });
      expect(await allRows(table)).toEqual([]);
    });
  });

  it('on a real lake directory: the object in its partition, sha256 and bytes of the file, nothing staged', async () => {
    await withTempLake(async ({ lake, dir }) => {
      const rows = Array.from({ length: 50 }, (_, i) => [String(i), '1.5', 'a', 'true', '2024-01-20', '']);
      const ref = await writeRows(lake.storage, KEY, SCHEMA, [rows]);
      const file = path.join(dir, ...KEY.split('/'));
      const bytes = await readFile(file);
      expect(ref.bytes).toBe(bytes.length);
      expect((await stat(file)).size).toBe(bytes.length);
      expect(ref.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
      expect(bytes.subarray(-4).toString()).toBe('PAR1');
      expect(await readdir(path.join(dir, '.staging'))).toEqual([]);
      expect(await lake.storage.list('demo/')).toEqual([KEY]);
    });
  });

  it('abort leaves nothing at the key, and an old object stays as it was', async () => {
    await withTempLake(async ({ lake, dir }) => {
      const rows = Array.from({ length: 3_000 }, (_, i) => [String(i), '1', 'a', 'true', '2024-01-20', '']);
      const writer = new ParquetObjectWriter(lake.storage, KEY, SCHEMA, { rowGroupRows: 1_000 });
      await writer.write(rows);
      await writer.abort(new Error('stop'));
      expect(await lake.storage.exists(KEY)).toBe(false);
      await expect(writer.finish()).rejects.toThrow(/stop/);

      const old = await writeRows(lake.storage, KEY, SCHEMA, [rows.slice(0, 10)]);
      const again = new ParquetObjectWriter(lake.storage, KEY, SCHEMA);
      await again.write(rows);
      await again.abort();
      const bytes = await readFile(path.join(dir, ...KEY.split('/')));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(old.sha256);
      expect(await readdir(path.join(dir, '.staging'))).toEqual([]);
    });
  });

  it('refuses a value its column cannot hold, naming row and column; the key keeps nothing', async () => {
    await withTempLake(async ({ lake }) => {
      const good = ['1', '1', 'a', 'true', '2024-01-20', '2024-01-20 00:00:00'];
      const cases: [number, string][] = [
        [0, '1.5'],
        [1, 'abc'],
        [3, 'yes'],
        [4, '2024-01-20 10:00:00'],
        [5, '2024-13-01'],
      ];
      for (const [column, text] of cases) {
        const bad = [...good];
        bad[column] = text;
        const error = await writeRows(lake.storage, KEY, SCHEMA, [[good, bad]]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InputError);
        expect(error).toMatchObject({
          code: 'INVALID_VALUE',
          location: { key: KEY, row: 2, column: Object.keys(SCHEMA)[column] },
        });
        expect(await lake.storage.exists(KEY)).toBe(false);
      }
      await expect(writeRows(lake.storage, KEY, SCHEMA, [[['1']]])).rejects.toMatchObject({
        code: 'INVALID_VALUE',
      });
    });
  });

  it('reads only the columns asked for (the others are empty), rows with reserved capacity', async () => {
    await withTempLake(async ({ lake }) => {
      await writeRows(lake.storage, KEY, SCHEMA, [[['1', '2.5', 'a', 'true', '2024-01-20', '']]]);
      const table = await readParquetObject(lake.storage, KEY, {
        columns: (header) => [header.indexOf('price'), header.indexOf('name')],
        rowCapacity: (header) => header.length + 2,
      });
      expect(await allRows(table)).toEqual([['', '2.5', 'a', '', '', '']]);
    });
  });

  it('reads from a backend without files (as S3) through a spooled copy, removed when done; Snappy too', async () => {
    await withTempLake(async ({ lake }) => {
      const remote = remoteLike(lake.storage);
      const rows = Array.from({ length: 1_500 }, (_, i) => [
        String(i),
        '0.5',
        `n${i}`,
        'false',
        '2024-01-20',
        '',
      ]);
      await writeRows(remote, KEY, SCHEMA, [rows], { codec: 'SNAPPY', rowGroupRows: 1_000 });
      const spooled = async () =>
        (await readdir(tmpdir())).filter((name) => name.startsWith('lakeflow-parquet-'));
      const before = await spooled();
      const table = await readParquetObject(remote, KEY);
      expect((await spooled()).length).toBe(before.length + 1);
      expect(table.rowGroups).toBe(2);
      expect(await allRows(table)).toEqual(rows);
      await table.close();
      expect(await spooled()).toEqual(before);

      // Stopping early releases the spooled copy too.
      const early = await readParquetObject(remote, KEY, { batchSize: 100 });
      for await (const batch of early.batches) {
        expect(batch).toHaveLength(100);
        break;
      }
      expect(await spooled()).toEqual(before);
      await expect(readParquetObject(remote, 'demo/missing.parquet')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(readParquetObject(lake.storage, 'demo/missing.parquet')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });

  it('refuses an object that is not Parquet', async () => {
    await withTempLake(async ({ lake }) => {
      await lake.storage.put('demo/x.parquet', 'id,name\n1,a\n');
      await expect(readParquetObject(lake.storage, 'demo/x.parquet')).rejects.toMatchObject({
        code: 'MALFORMED_PARQUET',
      });
    });
  });
});

// DuckDB reads the lake's Parquet objects as they are (Hive partitions): a dev dependency whose
// binary ships inside its npm package.
describe('DuckDB reads the Parquet objects', () => {
  it('gets the same row count, sums and types over two date partitions', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    await withTempLake(async ({ lake, dir }) => {
      const dates = ['2024-01-20', '2024-01-21'];
      let rows = 0;
      let sumId = 0;
      let sumPrice = 0;
      for (const date of dates) {
        const batch = Array.from({ length: 1_200 }, (_, i) => {
          const id = i + (date === dates[0] ? 0 : 10_000);
          const price = i % 10 === 0 ? '' : String(i / 8);
          rows++;
          sumId += id;
          if (price !== '') sumPrice += Number(price);
          return [String(id), price, `n${i % 5}`, String(i % 3 === 0), date, `${date} 12:00:00.000001`];
        });
        await writeRows(lake.storage, `demo/datasets/sales/date=${date}/sales.parquet`, SCHEMA, [batch], {
          rowGroupRows: 500,
        });
      }
      await writeRows(lake.storage, 'demo/datasets/empty/date=2024-01-20/empty.parquet', SCHEMA, []);

      const db = await DuckDBInstance.create(':memory:');
      const connection = await db.connect();
      try {
        const glob = path.join(dir, 'demo/datasets/sales/date=*/*.parquet');
        const result = await connection.runAndReadAll(
          `select count(*)::bigint as n, sum(id)::bigint as ids, sum(price) as prices,
                  count(price)::bigint as prices_n, count(distinct date)::bigint as dates,
                  sum(active::int)::bigint as actives, min("at")::varchar as first_at, min("day")::varchar as first_day
           from read_parquet('${glob}', hive_partitioning = true)`,
        );
        const [row] = result.getRowObjects();
        expect(row).toMatchObject({
          n: BigInt(rows),
          ids: BigInt(sumId),
          prices_n: BigInt(rows - 240),
          dates: 2n,
          actives: 800n,
          first_at: '2024-01-20 12:00:00.000001+00',
          first_day: '2024-01-20',
        });
        expect(row?.prices).toBeCloseTo(sumPrice, 6);
        const types = await connection.runAndReadAll(
          `select column_name, column_type from (describe select * from read_parquet('${glob}'))`,
        );
        expect(Object.fromEntries(types.getRows().map(([name, type]) => [name, type]))).toEqual({
          id: 'BIGINT',
          price: 'DOUBLE',
          name: 'VARCHAR',
          active: 'BOOLEAN',
          day: 'DATE',
          at: 'TIMESTAMP WITH TIME ZONE',
          date: 'DATE', // the Hive partition
        });
        const empty = await connection.runAndReadAll(
          `select count(*)::bigint as n from read_parquet('${path.join(dir, 'demo/datasets/empty/date=*/*.parquet')}')`,
        );
        expect(empty.getRowObjects()).toEqual([{ n: 0n }]);
      } finally {
        connection.closeSync();
        db.closeSync();
      }
    });
  });
});
