import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestSource } from '../../../src/lib/ingest/ingest.ts';
import { DataLake } from '../../../src/lib/lake/data-lake.ts';
import { LocalStorage } from '../../../src/lib/lake/local-storage.ts';
import type { InputSpec } from '../../../src/lib/pipeline/jobs.ts';
import { runQualityChecks } from '../../../src/lib/quality/run-checks.ts';
import { ChunkingStorage } from '../../helpers/chunking-storage.ts';
import { customersCsv, PRODUCTS_CSV, transactionsCsv } from '../../helpers/messy-csv.ts';
import {
  cleanCounts,
  datasetKey,
  SALES_ETL,
  SALES_SOURCES,
  type SalesSource,
  salesEtl,
  salesSuite,
  transformSales,
} from '../../helpers/sales-etl.ts';
import { createTempLake, type TempLake } from '../../helpers/temp-lake.ts';

const DATE = '2024-03-10';
const ROWS = 24_000;
const WHOLE = Number.MAX_SAFE_INTEGER;

/** Everything a run writes, as comparable values (times and the input's own description left out). */
async function pipeline(lake: DataLake, inputs: Record<SalesSource, InputSpec>, batchSize?: number) {
  const landed: Record<string, unknown> = {};
  for (const source of SALES_SOURCES) {
    const result = await ingestSource({
      lake,
      pipeline: salesEtl,
      runId: 'run',
      date: DATE,
      source,
      input: inputs[source],
    });
    landed[source] = {
      ref: result.landing,
      warnings: result.warnings,
      bytes: (await lake.storage.get(result.landing.key)).toString('utf8'),
    };
  }
  const transformed = await transformSales(lake, DATE, { runId: 'run', ...(batchSize ? { batchSize } : {}) });
  const outputs: Record<string, string> = {};
  for (const ref of Object.values(transformed.outputs)) {
    outputs[ref.key] = (await lake.storage.get(ref.key)).toString('utf8');
  }
  const { report } = await runQualityChecks({
    lake,
    pipeline: SALES_ETL,
    runId: 'run',
    date: DATE,
    suite: salesSuite('notebook'),
    ...(batchSize ? { batchSize } : {}),
  });
  return { landed, transformed, outputs, report: { ...report, timestamp: '' } };
}

describe('streaming across chunk boundaries: ingest → transform → quality', () => {
  let temp: TempLake;
  let streamed: Awaited<ReturnType<typeof pipeline>>;
  let whole: Awaited<ReturnType<typeof pipeline>>;

  beforeAll(async () => {
    temp = await createTempLake();
    const files = {
      transactions: transactionsCsv(ROWS, DATE),
      customers: customersCsv(),
      products: PRODUCTS_CSV,
    };
    const specs = {} as Record<SalesSource, InputSpec>;
    for (const [source, text] of Object.entries(files)) {
      const file = path.join(temp.dir, `${source}-input.csv`);
      await writeFile(file, text);
      // Streamed: the real file in its read chunks; lake objects in odd sizes, down to single bytes.
      specs[source as SalesSource] = { kind: 'file', path: file };
      await temp.lake.storage.put(`inbox/${source}.csv`, text);
    }
    const streamedLake = new DataLake(
      new ChunkingStorage(temp.lake.storage, [65_537, 1, 4093, 2, 997, 3, 131_071]),
    );
    streamed = await pipeline(streamedLake, specs);
    // The same data in one chunk and one batch: the inputs as lake objects, read whole.
    const wholeLake = new DataLake(
      new ChunkingStorage(new LocalStorage(path.join(temp.dir, 'whole')), [WHOLE]),
    );
    for (const source of Object.keys(files)) {
      await wholeLake.storage.put(`inbox/${source}.csv`, await temp.lake.storage.get(`inbox/${source}.csv`));
    }
    const inbox = (source: string): InputSpec => ({ kind: 'lake', key: `inbox/${source}.csv` });
    whole = await pipeline(
      wholeLake,
      { transactions: inbox('transactions'), customers: inbox('customers'), products: inbox('products') },
      WHOLE,
    );
  }, 60_000);

  afterAll(() => temp.cleanup());

  it('writes byte-identical landing objects, datasets and quality report', () => {
    expect(streamed.landed).toEqual(whole.landed);
    expect(Object.keys(streamed.outputs)).toEqual(Object.keys(whole.outputs));
    expect(streamed.outputs).toEqual(whole.outputs);
    expect(streamed.transformed).toEqual(whole.transformed);
    expect(streamed.report).toEqual(whole.report);
  });

  it('lands canonical CSV: no BOM, LF endings, quotes only where a field needs them', () => {
    const landing = (streamed.landed.transactions as { bytes: string }).bytes;
    expect(landing.startsWith('transaction_id,')).toBe(true);
    expect(landing).not.toContain('\r\n');
    expect(landing).toContain(',"EU, West",');
    expect(landing).toContain(',"APAC\nSouth",');
    expect(landing).toContain(',"US ""East""",');
    expect(landing).toContain(',"Zürich, 北",');
    expect(landing).toContain(',Widget B,'); // quoted in the input without need
    expect((streamed.landed.transactions as { ref: { rows: number } }).ref.rows).toBe(ROWS);
  });

  it('carries quoted fields through cleaning, enrichment and the summary', () => {
    const enriched = streamed.outputs[datasetKey('enriched', DATE)] as string;
    const clean = cleanCounts(streamed.transformed.metrics);
    expect(clean.initial_rows).toBe(ROWS);
    expect(clean.after_dedup).toBeLessThan(ROWS);
    expect(clean.invalid_amounts_removed).toBeGreaterThan(0);
    expect(clean.null_regions_filled).toBeGreaterThan(0);
    // `"  gadget x "` is stripped and titled, then joins the product with a comma in its category.
    expect(enriched).toMatch(/,Gadget X,[^\n]*,"Electronics, small",120,/);
    expect(enriched).toContain(',"Gadget, Deluxe",');
    expect(enriched).toContain('"Services\nand more"');
    const summary = streamed.outputs[datasetKey('daily_summary', DATE)] as string;
    expect(summary).toContain(`${DATE},"APAC\nSouth",Hardware,`);
    expect(streamed.report.row_count).toBe(clean.final_rows);
  });
});
