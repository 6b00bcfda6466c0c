import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { definePipeline, fact } from '../../src/api.ts';
import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { runLocal } from '../../src/lib/run-local.ts';
import { datasetRows } from '../helpers/lake-data.ts';
import { withTempLake } from '../helpers/temp-lake.ts';

// Parquet files and lake objects as a source's input: read one row group at a time, validated like
// any input, landed as Parquet (the source's own format), which the transform reads.

const DATE = '2024-03-02';
const SCHEMA = { id: 'string', ts: 'datetime', n: 'int', x: 'float' } as const;

const pipeline = definePipeline({
  name: 'pq_source',
  sources: { events: fact({ eventTime: 'ts', schema: SCHEMA, formats: ['csv', 'parquet'] }) },
  transform: ({ from }) => from('events').write('out'),
});
const csvOnly = definePipeline({
  name: 'csv_only',
  sources: { events: fact({ eventTime: 'ts', schema: SCHEMA }) },
  transform: ({ from }) => from('events').write('out'),
});

const row = (i: number) => [
  `e${i}`,
  `${DATE} ${String(i % 24).padStart(2, '0')}:00:00`,
  String(i),
  i % 5 ? String(i / 4) : '',
];
const ROWS = Array.from({ length: 2_500 }, (_, i) => row(i));

async function writeParquet(lake: DataLake, key: string, rows: string[][]) {
  const writer = lake.openParquetWriter(key, { ...SCHEMA }, undefined, { rowGroupRows: 1_000 });
  await writer.write(rows);
  return writer.finish();
}

/** The landed Parquet object's rows, as text. */
const landed = (lake: DataLake, name: string) =>
  datasetRows(lake, lakeKeys.landing(name, 'events', DATE, 'parquet'));

describe('Parquet inputs', () => {
  it('a lake object and a local file are read by row group, validated and landed as Parquet', async () => {
    await withTempLake(async ({ lake, dir }) => {
      const key = 'incoming/events.parquet';
      await writeParquet(lake, key, ROWS);
      const fromLake = await runLocal({
        pipeline,
        lake,
        date: DATE,
        inputs: { events: { kind: 'lake', key } },
        suite: null,
      });
      expect(fromLake.ingested[0]?.landing).toMatchObject({
        key: lakeKeys.landing('pq_source', 'events', DATE, 'parquet'),
        rows: 2_500,
      });
      const { header, rows } = await landed(lake, 'pq_source');
      expect(header).toEqual(Object.keys(SCHEMA));
      expect(rows).toEqual(ROWS);
      expect(fromLake.transform.outputs.out?.rows).toBe(2_500);

      const file = path.join(dir, key);
      const fromFile = await runLocal({
        pipeline,
        lake,
        date: DATE,
        inputs: { events: { kind: 'file', path: file } },
        suite: null,
      });
      expect(fromFile.ingested[0]?.landing.sha256).toBe(fromLake.ingested[0]?.landing.sha256);
    });
  });

  it('a re-run of the date from CSV replaces its Parquet landing, so the transform reads the new one', async () => {
    await withTempLake(async ({ lake }) => {
      await writeParquet(lake, 'incoming/events.parquet', ROWS);
      await runLocal({
        pipeline,
        lake,
        date: DATE,
        inputs: { events: { kind: 'lake', key: 'incoming/events.parquet' } },
        suite: null,
      });
      const csv = ['id,ts,n,x', ...ROWS.slice(0, 3).map((r) => r.join(','))].join('\n');
      await lake.storage.put('incoming/events.csv', `${csv}\n`);
      const again = await runLocal({
        pipeline,
        lake,
        date: DATE,
        inputs: { events: { kind: 'lake', key: 'incoming/events.csv' } },
        suite: null,
      });
      expect(again.ingested[0]?.landing.key).toBe(lakeKeys.landing('pq_source', 'events', DATE));
      expect(await lake.storage.exists(lakeKeys.landing('pq_source', 'events', DATE, 'parquet'))).toBe(false);
      expect(again.transform.outputs.out?.rows).toBe(3);
    });
  });

  it('validates every value as for CSV: a row off the run’s date fails the ingestion', async () => {
    await withTempLake(async ({ lake }) => {
      const key = 'incoming/late.parquet';
      const rows = ROWS.map((r, i) =>
        i === 1_700 ? [r[0] as string, '2024-03-03 00:00:00', r[2] as string, r[3] as string] : r,
      );
      await writeParquet(lake, key, rows);
      await expect(
        runLocal({ pipeline, lake, date: DATE, inputs: { events: { kind: 'lake', key } }, suite: null }),
      ).rejects.toThrow(/2024-03-03/);
      expect(await lake.storage.exists(lakeKeys.landing('pq_source', 'events', DATE, 'parquet'))).toBe(false);
    });
  });

  it('a source that does not declare parquet refuses a Parquet input', async () => {
    await withTempLake(async ({ lake }) => {
      await writeParquet(lake, 'incoming/events.parquet', ROWS.slice(0, 3));
      await expect(
        runLocal({
          pipeline: csvOnly,
          lake,
          date: DATE,
          inputs: { events: { kind: 'lake', key: 'incoming/events.parquet' } },
          suite: null,
        }),
      ).rejects.toMatchObject({ code: 'FORMAT_NOT_ACCEPTED' });
    });
  });
});
