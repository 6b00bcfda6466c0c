import { describe, expect, it } from 'vitest';
import salesEtl from '../../pipelines/sales_etl/pipeline.ts';
import sensors from '../../pipelines/sensors/pipeline.ts';
import { definePipeline, fact } from '../../src/api.ts';
import type { PipelineDefinition } from '../../src/lib/definition/define.ts';
import { withDatasetFormats } from '../../src/lib/engine/dataset-formats.ts';
import { runTransform } from '../../src/lib/engine/run-transform.ts';
import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { readParquetObject } from '../../src/lib/lake/parquet-reader.ts';
import { runQualityChecks } from '../../src/lib/quality/run-checks.ts';
import { runLocal } from '../../src/lib/run-local.ts';
import { datasetRows } from '../helpers/lake-data.ts';
import { withTempLake } from '../helpers/temp-lake.ts';

const DATE = '2024-01-20';

const rowsOf = datasetRows;

/** Every dataset of the pipeline as Parquet. */
/** The pipeline with every dataset in one format. */
function allIn(pipeline: PipelineDefinition, format: 'csv' | 'parquet'): PipelineDefinition {
  return withDatasetFormats(
    pipeline,
    Object.fromEntries(pipeline.plan.datasets.map((dataset) => [dataset.name, format])),
  );
}

/**
 * Runs the pipeline on generated inputs twice into one lake, datasets as CSV then as Parquet (the
 * second run reads the first's landing objects), and returns both transforms' outputs.
 */
async function bothFormats(lake: DataLake, pipeline: PipelineDefinition, records?: Record<string, number>) {
  const inputs = Object.fromEntries(
    Object.keys(pipeline.sources).map((source) => [
      source,
      {
        kind: 'generate' as const,
        seed: 7,
        options: {},
        ...(records?.[source] ? { records: records[source] } : {}),
      },
    ]),
  );
  const csv = await runLocal({ pipeline: allIn(pipeline, 'csv'), lake, date: DATE, inputs, suite: null });
  const parquet = await runTransform({
    lake,
    pipeline: allIn(pipeline, 'parquet'),
    runId: 'parquet',
    date: DATE,
    rowGroupRows: 1_000,
  });
  return { csv: csv.transform, parquet };
}

describe('Parquet datasets through the engine', () => {
  for (const pipeline of [salesEtl, sensors]) {
    it(`${pipeline.name}: every dataset as Parquet reads back as the CSV text, in several row groups`, async () => {
      await withTempLake(async ({ lake }) => {
        const { csv, parquet } = await bothFormats(lake, pipeline, { transactions: 3_500, readings: 3_600 });
        expect(Object.keys(parquet.outputs)).toEqual(Object.keys(csv.outputs));
        expect(parquet.metrics).toEqual(csv.metrics);
        for (const [dataset, ref] of Object.entries(parquet.outputs)) {
          const csvRef = csv.outputs[dataset];
          expect(ref.key).toBe(lakeKeys.dataset(pipeline.name, dataset, DATE, 'parquet'));
          expect(csvRef?.key).toBe(lakeKeys.dataset(pipeline.name, dataset, DATE));
          expect(ref.rows).toBe(csvRef?.rows);
          expect(ref.sha256).toMatch(/^[0-9a-f]{64}$/);
          expect(await rowsOf(lake, ref.key)).toEqual(await rowsOf(lake, csvRef?.key as string));
        }
        const largest = Object.values(parquet.outputs).reduce((a, b) => (b.rows > a.rows ? b : a));
        const table = await readParquetObject(lake.storage, largest.key);
        expect(table.rowGroups).toBeGreaterThan(1);
        await table.close();
      });
    });
  }

  it('types the columns from the plan, and a function result from its values', async () => {
    await withTempLake(async ({ lake }) => {
      const { parquet } = await bothFormats(lake, salesEtl, { transactions: 500 });
      const enriched = await readParquetObject(lake.storage, parquet.outputs.enriched?.key as string);
      await enriched.close();
      const summary = await readParquetObject(lake.storage, parquet.outputs.daily_summary?.key as string);
      await summary.close();
      // A source's columns by its schema, parsed ones as parsed, time parts as theirs, a lookup's as
      // the dimension's, a function's numbers as float (from their values), measures as theirs.
      expect(enriched.schema).toEqual({
        transaction_id: 'string',
        timestamp: 'datetime',
        customer_id: 'string',
        product: 'string',
        quantity: 'int',
        unit_price: 'float',
        region: 'string',
        total_amount: 'float',
        date: 'date',
        hour: 'int',
        day_of_week: 'string',
        is_weekend: 'bool',
        segment: 'string',
        lifetime_value: 'float',
        category: 'string',
        cost: 'float',
        profit: 'float',
        profit_margin: 'float',
      });
      expect(summary.schema).toEqual({
        date: 'date',
        region: 'string',
        category: 'string',
        transaction_count: 'int',
        unique_customers: 'int',
        total_quantity: 'float',
        revenue: 'float',
        profit: 'float',
        avg_transaction_value: 'float',
      });
    });
  });

  it('every quality suite gives the same report over the dataset written as CSV and as Parquet', async () => {
    await withTempLake(async ({ lake }) => {
      for (const pipeline of [salesEtl, sensors]) {
        const { csv, parquet } = await bothFormats(lake, pipeline, { transactions: 2_000, readings: 2_000 });
        for (const [name, suite] of Object.entries(pipeline.suites)) {
          const csvKey = csv.outputs[suite.dataset]?.key as string;
          // The quality step reads the dataset through openDataset (lake/dataset-reader.ts): the text
          // it gives for the Parquet object, written back as CSV, is what the checks see.
          const { header, rows } = await rowsOf(lake, parquet.outputs[suite.dataset]?.key as string);
          const viaParquet = `${pipeline.name}/check/${suite.dataset}.csv`;
          await lake.writeCsv(viaParquet, header, rows);
          const run = async (datasetKey: string, runId: string) => {
            const { report } = await runQualityChecks({
              lake,
              pipeline: pipeline.name,
              runId,
              date: DATE,
              suite,
              datasetKey,
            });
            const {
              timestamp: _t,
              dataset_key: _k,
              run_id: _r,
              runId: _r2,
              ...rest
            } = report as unknown as Record<string, unknown>;
            return rest;
          };
          expect(await run(viaParquet, `${name}-parquet`), `${pipeline.name} suite ${name}`).toEqual(
            await run(csvKey, `${name}-csv`),
          );
        }
      }
    });
  });

  it('refuses an unknown format when the definition loads, and a switch of a dataset not written', () => {
    expect(() =>
      definePipeline({
        name: 'bad_format',
        sources: { events: fact({ eventTime: 'ts', schema: { ts: 'datetime' } }) },
        transform: ({ from }) => from('events').write('out', { format: 'orc' as never }),
      }),
    ).toThrow(/transform step 1 \(write\): format "orc": csv or parquet/);
    expect(salesEtl.plan.datasets.map((d) => d.format)).toEqual(['csv', 'csv', 'csv']);
    expect(allIn(salesEtl, 'parquet').plan.datasets.map((d) => d.format)).toEqual([
      'parquet',
      'parquet',
      'parquet',
    ]);
    expect(() => withDatasetFormats(salesEtl, { nope: 'parquet' })).toThrow(/writes no dataset nope/);
  });
});
