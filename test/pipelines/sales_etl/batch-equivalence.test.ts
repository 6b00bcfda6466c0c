import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestSource } from '../../../src/lib/ingest/ingest.ts';
import { DEFAULT_BATCH } from '../../../src/lib/lake/csv.ts';
import type { DataLake } from '../../../src/lib/lake/data-lake.ts';
import { runQualityChecks } from '../../../src/lib/quality/run-checks.ts';
import { customersCsv, PRODUCTS_CSV, transactionsCsv } from '../../helpers/messy-csv.ts';
import {
  SALES_ETL,
  type SalesSource,
  salesEtl,
  salesSuite,
  transformSales,
} from '../../helpers/sales-etl.ts';
import { createTempLake, type TempLake } from '../../helpers/temp-lake.ts';

const DATE = '2024-03-10';

let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

/** Lands `rows` messy transactions (and the dimensions) as ingestion does, from lake objects. */
async function land(lake: DataLake, rows: number): Promise<void> {
  const files = {
    transactions: transactionsCsv(rows, DATE),
    customers: customersCsv(),
    products: PRODUCTS_CSV,
  };
  for (const [source, text] of Object.entries(files)) {
    await lake.storage.put(`inbox/${source}.csv`, text);
    await ingestSource({
      lake,
      pipeline: salesEtl,
      runId: 'run',
      date: DATE,
      source: source as SalesSource,
      input: { kind: 'lake', key: `inbox/${source}.csv` },
    });
  }
}

/** The transform's and the quality check's outputs with `batchSize` rows per batch. */
async function outputs(lake: DataLake, batchSize: number) {
  const result = await transformSales(lake, DATE, { runId: 'run', batchSize });
  const objects: string[] = [];
  for (const ref of Object.values(result.outputs)) objects.push((await lake.storage.get(ref.key)).toString());
  const { report } = await runQualityChecks({
    lake,
    pipeline: SALES_ETL,
    runId: 'run',
    date: DATE,
    suite: salesSuite('notebook'),
    batchSize,
  });
  return { result, objects, report: { ...report, timestamp: '' } };
}

describe('batches do not change the results', () => {
  // Around the default batch (one row short, exactly one, one over), one row, and many batches.
  it.each([1, DEFAULT_BATCH - 1, DEFAULT_BATCH, DEFAULT_BATCH + 1, 5000])(
    '%i transactions: batches of 7 and of the default size give what one batch gives',
    async (rows) => {
      await land(temp.lake, rows);
      const single = await outputs(temp.lake, Number.MAX_SAFE_INTEGER);
      expect(single.result.metrics.read?.rows).toBe(rows);
      for (const batchSize of [7, DEFAULT_BATCH]) {
        const batched = await outputs(temp.lake, batchSize);
        expect(batched.objects, `batches of ${batchSize}`).toEqual(single.objects);
        expect(batched.result).toEqual(single.result);
        expect(batched.report).toEqual(single.report);
      }
    },
  );
});
