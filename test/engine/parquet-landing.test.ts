import { describe, expect, it } from 'vitest';
import salesEtl from '../../pipelines/sales_etl/pipeline.ts';
import { latestSnapshotKey } from '../../src/lib/engine/landing.ts';
import { runTransform } from '../../src/lib/engine/run-transform.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { landingFormatOf, openLandingWriter } from '../../src/lib/lake/landing-writer.ts';
import { runLocal } from '../../src/lib/run-local.ts';
import { withTempLake } from '../helpers/temp-lake.ts';

// Landing copies in Parquet (a Parquet input keeps its format): the transform reads the fact and the
// dimension snapshots from them, and writes the same datasets as from CSV landing copies.

const DATE = '2024-01-20';

describe('Parquet landing objects', () => {
  it('the transform reads Parquet landing copies and writes the same bytes as from CSV ones', async () => {
    await withTempLake(async ({ lake }) => {
      const inputs = { transactions: { kind: 'generate' as const, seed: 3, options: {}, records: 1_500 } };
      const csv = await runLocal({ pipeline: salesEtl, lake, date: DATE, inputs, suite: null });
      // Each landing copy again, as Parquet, as ingestion lands a Parquet input (no .meta.json: the
      // transform hashes the object itself).
      for (const [source, definition] of Object.entries(salesEtl.sources)) {
        const table = await lake.readCsvRows(lakeKeys.landing(salesEtl.name, source, DATE));
        const writer = openLandingWriter(lake, {
          pipeline: salesEtl.name,
          source,
          date: DATE,
          format: 'parquet',
          header: table.header,
          schema: definition.schema,
        });
        await writer.write(table.rows);
        const ref = await writer.finish();
        expect(ref.key).toBe(lakeKeys.landing(salesEtl.name, source, DATE, 'parquet'));
        await lake.storage.delete(lakeKeys.landingMeta(salesEtl.name, source, DATE));
      }
      // Finishing the Parquet copy removed the CSV one: one object per snapshot.
      expect(await lake.storage.exists(lakeKeys.landing(salesEtl.name, 'customers', DATE))).toBe(false);
      expect(await latestSnapshotKey(lake, salesEtl.name, 'customers', '2024-01-31')).toBe(
        lakeKeys.landing(salesEtl.name, 'customers', DATE, 'parquet'),
      );
      const parquet = await runTransform({ lake, pipeline: salesEtl, runId: 'again', date: DATE });
      expect(parquet.inputs.map((ref) => ref.key)).toEqual([
        lakeKeys.landing(salesEtl.name, 'transactions', DATE, 'parquet'),
        lakeKeys.landing(salesEtl.name, 'customers', DATE, 'parquet'),
        lakeKeys.landing(salesEtl.name, 'products', DATE, 'parquet'),
      ]);
      expect(parquet.inputs[0]?.rows).toBe(1_500);
      expect(parquet.inputs[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
      for (const [dataset, ref] of Object.entries(csv.transform.outputs)) {
        expect(parquet.outputs[dataset]?.sha256, dataset).toBe(ref.sha256);
      }
    });
  });

  it('keeps the input’s format: Parquet files and objects land as Parquet, the rest as CSV', () => {
    expect(landingFormatOf({ kind: 'file', path: 'x/a.parquet' })).toBe('parquet');
    expect(landingFormatOf({ kind: 'lake', key: 'in/a.bin', format: 'parquet' })).toBe('parquet');
    expect(landingFormatOf({ kind: 'lake', key: 'in/a.csv' })).toBe('csv');
    expect(landingFormatOf({ kind: 'file', path: 'a.ndjson' })).toBe('csv');
    expect(landingFormatOf({ kind: 'generate', seed: 1, options: {} })).toBe('csv');
  });
});
