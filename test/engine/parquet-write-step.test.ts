import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { count, dateOf, definePipeline, dimension, fact, sum } from '../../src/api.ts';
import type { PipelineDefinition } from '../../src/lib/definition/define.ts';
import { withDatasetFormats } from '../../src/lib/engine/dataset-formats.ts';
import { runTransform } from '../../src/lib/engine/run-transform.ts';
import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { readParquetObject } from '../../src/lib/lake/parquet-reader.ts';
import { ParquetObjectWriter } from '../../src/lib/lake/parquet-writer.ts';
import { datasetRows } from '../helpers/lake-data.ts';
import { withTempLake } from '../helpers/temp-lake.ts';
import { csv, DATE } from './run.ts';

// The engine's Parquet write step: every column type with nulls, a function's result typed from its
// values, datasets larger than a row group, the same text as the CSV dataset.

const every = definePipeline({
  name: 'every_type',
  sources: {
    events: fact({
      eventTime: 'ts',
      schema: { id: 'string', ts: 'datetime', n: 'int', x: 'float', ok: 'bool', day: 'date' },
      required: ['id', 'ts'],
    }),
    kinds: dimension({ key: 'id', schema: { id: 'string', label: 'string', weight: 'float' } }),
  },
  transform: ({ from }) =>
    from('events')
      .lookup('kinds', { take: ['label', 'weight'] })
      .derive({ on: dateOf('ts'), scaled: (r) => r.x * 2, tag: (r) => (r.ok === null ? null : r.label) })
      .write('rows', { format: 'parquet' })
      .aggregate({ by: ['on'], measures: { rows: count(), total: sum('x') } })
      .write('totals', { format: 'parquet' }),
});

const EVENTS = csv(
  'id,ts,n,x,ok,day',
  'a,2024-03-02 01:00:00,1,1.5,true,2024-03-01',
  'b,2024-03-02 02:00:00,,,,',
  'c,2024-03-02 03:30:15.250000,-7,-0.25,false,2024-02-29',
  'zz,2024-03-02 23:59:59,9007199254740993,1e+21,true,1969-12-31',
);
const KINDS = csv('id,label,weight', 'a,Alpha,0.5', 'b,,', 'c,"with, comma",2');

async function run(lake: DataLake, pipeline: PipelineDefinition, rowGroupRows?: number) {
  return runTransform({
    lake,
    pipeline,
    runId: 'test',
    date: DATE,
    batchSize: 2,
    ...(rowGroupRows ? { rowGroupRows } : {}),
  });
}

async function textRows(lake: DataLake, key: string) {
  const { header, rows } = await datasetRows(lake, key);
  return [header, ...rows];
}

async function land(lake: DataLake, pipeline: PipelineDefinition, inputs: Record<string, string>) {
  for (const [source, text] of Object.entries(inputs))
    await lake.storage.put(lakeKeys.landing(pipeline.name, source, DATE), text);
}

describe('the engine’s Parquet write step', () => {
  it('writes nulls in every type as Parquet nulls, and reads back the CSV dataset’s text', async () => {
    await withTempLake(async ({ lake, dir }) => {
      await land(lake, every, { events: EVENTS, kinds: KINDS });
      const parquet = await run(lake, every);
      const asCsv = await run(lake, withDatasetFormats(every, { rows: 'csv', totals: 'csv' }));
      for (const dataset of ['rows', 'totals']) {
        const key = parquet.outputs[dataset]?.key as string;
        expect(key.endsWith('.parquet')).toBe(true);
        expect(await textRows(lake, key)).toEqual(
          await textRows(lake, asCsv.outputs[dataset]?.key as string),
        );
      }
      const table = await readParquetObject(lake.storage, parquet.outputs.rows?.key as string);
      await table.close();
      expect(table.schema).toEqual({
        id: 'string',
        ts: 'datetime',
        n: 'int',
        x: 'float',
        ok: 'bool',
        day: 'date',
        label: 'string',
        weight: 'float',
        on: 'date',
        scaled: 'float', // numbers from a function
        tag: 'string', // text from a function
      });
      // Row b is null in every column but its id and time: DuckDB counts the nulls as nulls.
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const db = await DuckDBInstance.create(':memory:');
      const connection = await db.connect();
      try {
        const file = path.join(dir, parquet.outputs.rows?.key as string);
        const result = await connection.runAndReadAll(
          `select count(*)::int as rows, count(n)::int as n, count(x)::int as x, count(ok)::int as ok,
                  count(day)::int as day, count(label)::int as label, count(weight)::int as weight,
                  count(scaled)::int as scaled, count(tag)::int as tag, sum(n)::varchar as n_sum
           from read_parquet('${file}')`,
        );
        expect(result.getRowObjects()).toEqual([
          {
            rows: 4,
            n: 3,
            x: 3,
            ok: 3,
            day: 3,
            label: 2,
            weight: 2,
            scaled: 3,
            tag: 2,
            n_sum: '9007199254740987',
          },
        ]);
      } finally {
        connection.closeSync();
        db.closeSync();
      }
    });
  });

  it('writes a dataset larger than one row group: several groups, the same rows', async () => {
    await withTempLake(async ({ lake }) => {
      const lines = ['id,ts,n,x,ok,day'];
      for (let i = 0; i < 2_345; i++) {
        const second = String(i % 60).padStart(2, '0');
        lines.push(
          `e${i},2024-03-02 ${String(i % 24).padStart(2, '0')}:00:${second},${i},${i / 8},${i % 3 === 0},`,
        );
      }
      await land(lake, every, { events: csv(...lines), kinds: KINDS });
      const parquet = await run(lake, every, 500);
      const asCsv = await run(lake, withDatasetFormats(every, { rows: 'csv', totals: 'csv' }));
      expect(parquet.outputs.rows?.rows).toBe(2_345);
      const table = await readParquetObject(lake.storage, parquet.outputs.rows?.key as string);
      await table.close();
      expect(table.rowGroups).toBe(5);
      expect(await textRows(lake, parquet.outputs.rows?.key as string)).toEqual(
        await textRows(lake, asCsv.outputs.rows?.key as string),
      );
    });
  });

  it('a function’s column typed from its first row group refuses a later value of another type', async () => {
    const mixed = definePipeline({
      name: 'mixed',
      sources: { events: fact({ eventTime: 'ts', schema: { ts: 'datetime', x: 'float' } }) },
      transform: ({ from }) =>
        from('events')
          .derive({ v: (r) => (r.x < 100 ? r.x : 'big') })
          .write('out', { format: 'parquet' }),
    });
    await withTempLake(async ({ lake }) => {
      const lines = ['ts,x', ...Array.from({ length: 30 }, (_, i) => `2024-03-02 00:00:00,${i * 10}`)];
      await land(lake, mixed, { events: csv(...lines) });
      const error = await run(lake, mixed, 5).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'INVALID_VALUE',
        location: { key: lakeKeys.dataset('mixed', 'out', DATE, 'parquet'), row: 11, column: 'v' },
      });
      expect((error as Error).message).toMatch(/"big" \(the column was typed float from its first row group/);
      // Nothing of the date was written.
      expect(await lake.storage.list('mixed/datasets/')).toEqual([]);
    });
  });

  it('a function’s strings stay text even when they look like numbers', async () => {
    const codes = definePipeline({
      name: 'codes',
      sources: { events: fact({ eventTime: 'ts', schema: { ts: 'datetime', x: 'float' } }) },
      transform: ({ from }) =>
        from('events')
          .derive({ code: (r) => String(r.x).padStart(3, '0'), half: (r) => r.x / 2 })
          .write('out', { format: 'parquet' }),
    });
    await withTempLake(async ({ lake }) => {
      await land(lake, codes, { events: csv('ts,x', '2024-03-02 00:00:00,1', '2024-03-02 00:00:00,25') });
      const result = await run(lake, codes);
      const table = await readParquetObject(lake.storage, result.outputs.out?.key as string);
      expect(table.schema).toEqual({ ts: 'datetime', x: 'float', code: 'string', half: 'float' });
      await table.close();
      expect(await textRows(lake, result.outputs.out?.key as string)).toEqual([
        ['ts', 'x', 'code', 'half'],
        ['2024-03-02 00:00:00', '1', '001', '0.5'],
        ['2024-03-02 00:00:00', '25', '025', '12.5'],
      ]);
    });
  });

  it('an apply() declares a function column’s type instead', async () => {
    const declared = definePipeline({
      name: 'declared',
      sources: { events: fact({ eventTime: 'ts', schema: { ts: 'datetime', x: 'float' } }) },
      transform: ({ from }) =>
        from('events')
          .apply({ v: 'int' }, (r) => ({ v: Math.round(r.x) }))
          .write('out', { format: 'parquet' }),
    });
    await withTempLake(async ({ lake }) => {
      await land(lake, declared, { events: csv('ts,x', '2024-03-02 00:00:00,1.4', '2024-03-02 00:00:00,') });
      const result = await run(lake, declared);
      const table = await readParquetObject(lake.storage, result.outputs.out?.key as string);
      expect(table.schema).toEqual({ ts: 'datetime', x: 'float', v: 'int' });
      await table.close();
    });
  });

  it('types an empty dataset’s function columns as text', async () => {
    await withTempLake(async ({ lake }) => {
      const writer = new ParquetObjectWriter(
        lake.storage,
        'd/empty.parquet',
        { a: 'int', f: 'string' },
        { infer: ['f'] },
      );
      const ref = await writer.finish();
      expect(ref.rows).toBe(0);
      const table = await readParquetObject(lake.storage, 'd/empty.parquet');
      expect(table.schema).toEqual({ a: 'int', f: 'string' });
      await table.close();
    });
  });
});
