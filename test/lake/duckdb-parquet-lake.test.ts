import path from 'node:path';
import { describe, expect, it } from 'vitest';
import salesEtl from '../../pipelines/sales_etl/pipeline.ts';
import sensors from '../../pipelines/sensors/pipeline.ts';
import { withDatasetFormats } from '../../src/lib/engine/dataset-formats.ts';
import { runLocal } from '../../src/lib/run-local.ts';
import { withDuckDb } from '../helpers/lake-data.ts';
import { withTempLake } from '../helpers/temp-lake.ts';

// DuckDB reads the lake the product writes as it is: Hive partitions (`date=…`), CSV datasets with
// read_csv_auto, Parquet ones with read_parquet, and gets the row counts and sums the product's own
// run outputs, quality reports and aggregates say. The queries are those of docs/duckdb.md.

const DATES = ['2024-01-20', '2024-01-21'];

describe('DuckDB reads the lake as it is', () => {
  it('sales_etl (CSV datasets): row counts of the run outputs and reports, the summary’s sums', async () => {
    await withTempLake(async ({ lake, dir }) => {
      let enrichedRows = 0;
      let reportRows = 0;
      let summaryRows = 0;
      for (const date of DATES) {
        const run = await runLocal({ pipeline: salesEtl, lake, date });
        enrichedRows += run.transform.outputs.enriched?.rows ?? 0;
        summaryRows += run.transform.outputs.daily_summary?.rows ?? 0;
        reportRows += run.report?.row_count ?? 0;
      }
      expect(reportRows).toBe(enrichedRows);
      const glob = (dataset: string) => path.join(dir, `sales_etl/datasets/${dataset}/date=*/*.csv`);
      await withDuckDb(async (query) => {
        const [enriched] = await query(
          `select count(*)::bigint as n, count(distinct date)::bigint as dates,
                  sum(total_amount) as revenue, sum(profit) as profit, sum(quantity)::bigint as quantity
           from read_csv_auto('${glob('enriched')}', hive_partitioning = true)`,
        );
        const [summary] = await query(
          `select count(*)::bigint as n, sum(transaction_count)::bigint as transactions,
                  sum(revenue) as revenue, sum(profit) as profit, sum(total_quantity)::bigint as quantity
           from read_csv_auto('${glob('daily_summary')}', hive_partitioning = true)`,
        );
        expect(enriched?.n).toBe(BigInt(enrichedRows));
        expect(enriched?.dates).toBe(2n);
        expect(summary?.n).toBe(BigInt(summaryRows));
        // The product's own aggregate against DuckDB's over the enriched rows (every enriched row has
        // a region and a category after the fills, so every row is in one group).
        expect(summary?.transactions).toBe(enriched?.n);
        expect(summary?.quantity).toBe(enriched?.quantity);
        expect(summary?.revenue as number).toBeCloseTo(enriched?.revenue as number, 4);
        expect(summary?.profit as number).toBeCloseTo(enriched?.profit as number, 4);
      });
    });
  });

  it('sensors with its hourly summary as Parquet: typed columns, counts and sums across formats', async () => {
    const pipeline = withDatasetFormats(sensors, { hourly_site_summary: 'parquet' });
    await withTempLake(async ({ lake, dir }) => {
      let readings = 0;
      let hourlyRows = 0;
      for (const date of DATES) {
        const run = await runLocal({ pipeline, lake, date, suite: 'readings' });
        expect(run.transform.outputs.hourly_site_summary?.key).toBe(
          `sensors/datasets/hourly_site_summary/date=${date}/hourly_site_summary.parquet`,
        );
        expect(run.report?.row_count).toBe(run.transform.outputs.readings_enriched?.rows);
        readings += run.report?.row_count ?? 0;
        hourlyRows += run.transform.outputs.hourly_site_summary?.rows ?? 0;
      }
      const hourly = path.join(dir, 'sensors/datasets/hourly_site_summary/date=*/*.parquet');
      const enriched = path.join(dir, 'sensors/datasets/readings_enriched/date=*/*.csv');
      await withDuckDb(async (query) => {
        const [summary] = await query(
          `select count(*)::bigint as n, sum(readings)::bigint as readings, count(distinct date)::bigint as dates,
                  min(hour_start)::varchar as first_hour, sum(humidity_readings)::bigint as humidity_readings
           from read_parquet('${hourly}', hive_partitioning = true)`,
        );
        expect(summary).toMatchObject({
          n: BigInt(hourlyRows),
          readings: BigInt(readings),
          dates: 2n,
          first_hour: '2024-01-20 00:00:00+00',
        });
        const [detail] = await query(
          `select count(*)::bigint as n, count(humidity)::bigint as humidity_readings
           from read_csv_auto('${enriched}', hive_partitioning = true)`,
        );
        expect(detail).toEqual({ n: BigInt(readings), humidity_readings: summary?.humidity_readings });
        // The same groups, recomputed by DuckDB from the CSV detail, joined to the Parquet summary.
        const [mismatch] = await query(
          `with mine as (
             select site, date_trunc('hour', ts::timestamp) as hour, count(*)::bigint as n,
                    round(avg(temp_c), 2) as temp_mean, min(temp_c) as temp_min
             from read_csv_auto('${enriched}', hive_partitioning = true) group by all)
           select count(*)::bigint as groups,
                  count(*) filter (where m.n is distinct from s.readings
                                   or abs(m.temp_mean - s.temp_mean) > 0.0100001
                                   or m.temp_min is distinct from s.temp_min)::bigint as different
           from read_parquet('${hourly}', hive_partitioning = true) s
           full join mine m on m.site = s.site and m.hour = s.hour_start::timestamp`,
        );
        expect(mismatch).toEqual({ groups: BigInt(hourlyRows), different: 0n });
        const types = await query(
          `select column_name, column_type from (describe select * from read_parquet('${hourly}', hive_partitioning = true))`,
        );
        expect(Object.fromEntries(types.map((row) => [row.column_name, row.column_type]))).toEqual({
          site: 'VARCHAR',
          hour_start: 'TIMESTAMP WITH TIME ZONE',
          readings: 'BIGINT',
          devices: 'BIGINT',
          temp_mean: 'DOUBLE',
          temp_min: 'DOUBLE',
          temp_max: 'DOUBLE',
          humidity_mean: 'DOUBLE',
          humidity_readings: 'BIGINT',
          battery_min: 'DOUBLE',
          date: 'DATE',
        });
      });
    });
  });

  it('sales_etl with every dataset as Parquet: the same counts and sums as its CSV run', async () => {
    const parquet = withDatasetFormats(salesEtl, {
      cleaned: 'parquet',
      enriched: 'parquet',
      daily_summary: 'parquet',
    });
    await withTempLake(async ({ lake, dir }) => {
      let enrichedRows = 0;
      for (const date of DATES) {
        const asCsv = await runLocal({ pipeline: salesEtl, lake, date, suite: null, runId: `csv-${date}` });
        const run = await runLocal({ pipeline: parquet, lake, date, suite: null, runId: `pq-${date}` });
        expect(run.transform.outputs.enriched?.rows).toBe(asCsv.transform.outputs.enriched?.rows);
        enrichedRows += run.transform.outputs.enriched?.rows ?? 0;
      }
      const read = (dataset: string, format: 'csv' | 'parquet') =>
        `${format === 'csv' ? 'read_csv_auto' : 'read_parquet'}('${path.join(dir, `sales_etl/datasets/${dataset}/date=*/*.${format}`)}', hive_partitioning = true)`;
      await withDuckDb(async (query) => {
        const sums = async (format: 'csv' | 'parquet') =>
          (
            await query(
              `select (select count(*) from ${read('enriched', format)})::bigint as n,
                      (select sum(total_amount) from ${read('enriched', format)}) as revenue,
                      (select sum(revenue) from ${read('daily_summary', format)}) as summary_revenue,
                      (select sum(transaction_count) from ${read('daily_summary', format)})::bigint as transactions,
                      (select count(*) from ${read('cleaned', format)})::bigint as cleaned`,
            )
          )[0] as Record<string, unknown>;
        const fromParquet = await sums('parquet');
        const fromCsv = await sums('csv');
        expect(fromParquet.n).toBe(BigInt(enrichedRows));
        expect(fromParquet.transactions).toBe(fromParquet.n);
        expect(fromParquet.cleaned).toBe(fromCsv.cleaned);
        expect(fromParquet.revenue as number).toBeCloseTo(fromCsv.revenue as number, 6);
        expect(fromParquet.summary_revenue as number).toBeCloseTo(fromCsv.summary_revenue as number, 6);
        expect(fromParquet.summary_revenue as number).toBeCloseTo(fromParquet.revenue as number, 4);
      });
    });
  });
});
