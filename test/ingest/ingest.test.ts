import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { type IngestOptions, ingestSource, type LandingMetadata } from '../../src/lib/ingest/ingest.ts';
import { type InputSpec, ingestResultSchema } from '../../src/lib/pipeline/jobs.ts';
import { landingKey, landingMetaKey, SALES_ETL, salesEtl } from '../helpers/sales-etl.ts';
import { createTempLake, type TempLake, withTempLake } from '../helpers/temp-lake.ts';

const DATE = '2024-01-15';
const LANDING = landingKey('transactions', DATE);
const META = landingMetaKey('transactions', DATE);
const TX_HEADER = 'transaction_id,timestamp,customer_id,product,quantity,unit_price,region,total_amount';
const generate = (overrides: Partial<Extract<InputSpec, { kind: 'generate' }>> = {}): InputSpec => ({
  kind: 'generate',
  seed: 42,
  options: { nullRegions: 0.02, duplicateIds: 0.01, negativeAmounts: 0.005, messyProducts: 0.05 },
  ...overrides,
});

let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

const ingest = (input: InputSpec, extra: Partial<IngestOptions> = {}) =>
  ingestSource({
    lake: temp.lake,
    pipeline: salesEtl,
    runId: 'run-1',
    date: DATE,
    source: 'transactions',
    input,
    ...extra,
  });

/** Writes a local input file and returns its spec. */
async function inputFile(name: string, content: string): Promise<InputSpec> {
  const file = path.join(temp.dir, name);
  await writeFile(file, content);
  return { kind: 'file', path: file };
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** `count` valid transaction rows for the run's date, optionally one bad field at a 1-based row. */
function transactionsCsv(count: number, bad?: { row: number; quantity: string }): string {
  let text = `${TX_HEADER}\n`;
  for (let i = 1; i <= count; i++) {
    const quantity = bad?.row === i ? bad.quantity : '2';
    text += `TXN${i},${DATE} 08:00:00,CUST1001,Widget A,${quantity},10.5,EU,21\n`;
  }
  return text;
}

describe('ingestSource', () => {
  it('lands generated rows and then their metadata, whose sha256 is that of the object', async () => {
    const progress: number[] = [];
    const input = generate({ records: 5000 });
    const result = await ingest(input, { onProgress: (rows) => progress.push(rows) });

    const bytes = await temp.lake.storage.get(LANDING);
    expect(ingestResultSchema.parse(result)).toEqual({
      source: 'transactions',
      date: DATE,
      landing: { key: LANDING, rows: 5000, bytes: bytes.length, sha256: sha256(bytes) },
      metaKey: META,
      columns: TX_HEADER.split(','),
      warnings: [],
      quarantine: null,
    });
    expect(bytes.toString('utf8').startsWith(`${TX_HEADER}\nTXN20240115000000,`)).toBe(true);
    expect(bytes.toString('utf8').split('\n')).toHaveLength(5002); // header, rows, the final LF
    // One call per generated batch of 512 rows.
    expect(progress).toEqual([...Array.from({ length: 9 }, (_, i) => (i + 1) * 512), 5000]);

    const meta = await temp.lake.readJson<LandingMetadata>(META);
    expect(meta).toEqual({
      pipeline: SALES_ETL,
      source: 'transactions',
      runId: 'run-1',
      date: DATE,
      ingestedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      rowCount: 5000,
      columns: TX_HEADER.split(','),
      sha256: sha256(bytes),
      bytes: bytes.length,
      input,
      validation: { valid: true, errors: [], warnings: [], rowCount: 5000, columnCount: 8 },
    });
  });

  it('lands byte-identical objects for the same seed, source, date and options', async () => {
    const first = await ingest(generate({ records: 3000 }));
    const again = await withTempLake(({ lake }) =>
      ingestSource({
        lake,
        pipeline: salesEtl,
        runId: 'run-2',
        date: DATE,
        source: 'transactions',
        input: generate({ records: 3000 }),
      }),
    );
    expect(again.landing).toEqual(first.landing);
    const otherSeed = await ingest(generate({ records: 3000, seed: 43 }));
    expect(otherSeed.landing.sha256).not.toBe(first.landing.sha256);
    expect(otherSeed.landing.rows).toBe(3000);
    // The default rates are the generator's defaults: leaving them out lands the same bytes.
    const defaults = await withTempLake(({ lake }) =>
      ingestSource({
        lake,
        pipeline: salesEtl,
        runId: 'run-3',
        date: DATE,
        source: 'transactions',
        input: { kind: 'generate', seed: 42, records: 3000, options: {} },
      }),
    );
    expect(defaults.landing).toEqual(first.landing);
  });

  it('lands the same bytes on every machine (pinned; update deliberately when the generator changes)', async () => {
    // Transactions use only 32-bit integer steps, IEEE products and rounding: no platform-dependent maths.
    const result = await ingest(generate({ records: 1000 }));
    expect(result.landing.bytes).toBe(80_036);
    expect(result.landing.sha256).toBe('d4189949cbc51dbc98157ae8ddee2246bc9451c4cf571efd098e0c1bdac2834f');
  });

  it('lands a CSV file as canonical CSV (LF, quoting only where needed) keeping the values as text', async () => {
    const input = await inputFile(
      'export.csv',
      `\uFEFF${TX_HEADER},channel\r\n` +
        `T1,${DATE} 08:00:00,CUST1,"Widget A",3.0,10.50,,31.5,"web, mobile"\r\n` +
        `T2,${DATE}T09:30:00,CUST2, Widget B ,1,1e2,EU,100,"say ""hi"""\r\n`,
    );
    const result = await ingest(input);
    expect((await temp.lake.storage.get(LANDING)).toString('utf8')).toBe(
      `${TX_HEADER},channel\n` +
        `T1,${DATE} 08:00:00,CUST1,Widget A,3.0,10.50,,31.5,"web, mobile"\n` +
        `T2,${DATE}T09:30:00,CUST2, Widget B ,1,1e2,EU,100,"say ""hi"""\n`,
    );
    expect(result.warnings).toEqual(['Unexpected columns: channel']);
    expect(result.columns).toEqual([...TX_HEADER.split(','), 'channel']);
  });

  it('is canonical: ingesting a landed object again from the lake lands the same bytes', async () => {
    const first = await ingest(generate({ records: 3000 }));
    const again = await ingest({ kind: 'lake', key: LANDING });
    expect(again.landing).toEqual(first.landing);
  });

  it('lands NDJSON objects as CSV rows', async () => {
    const input = await inputFile(
      'customers.ndjson',
      '{"customer_id": "CUST1", "segment": "Gold", "lifetime_value": 12.5}\n' +
        '{"customer_id": "CUST2", "segment": null}\n',
    );
    const result = await ingest(input, { source: 'customers' });
    const key = landingKey('customers', DATE);
    expect((await temp.lake.storage.get(key)).toString('utf8')).toBe(
      'customer_id,segment,lifetime_value\nCUST1,Gold,12.5\nCUST2,,\n',
    );
    expect(result.warnings).toEqual([
      'Missing optional columns: customer_name, join_date',
      "Column 'segment' has 1 null values",
    ]);
  });
});

describe('ingestSource on failure', () => {
  /** Lands a first good object for the date and returns its bytes and metadata. */
  async function landFirst(): Promise<{ bytes: Buffer; meta: Buffer }> {
    await ingest(generate({ records: 100 }));
    return { bytes: await temp.lake.storage.get(LANDING), meta: await temp.lake.storage.get(META) };
  }

  async function expectUnchanged(before: { bytes: Buffer; meta: Buffer }): Promise<void> {
    expect((await temp.lake.storage.get(LANDING)).equals(before.bytes)).toBe(true);
    expect((await temp.lake.storage.get(META)).equals(before.meta)).toBe(true);
    // Nothing half-written is left behind in the staging area either.
    expect(await readdir(path.join(temp.dir, '.staging'))).toEqual([]);
  }

  it('leaves the landed object and metadata of the date as they were when a later row is bad', async () => {
    const before = await landFirst();
    // Row 5000 is in the third batch: two batches have gone to the writer when it fails.
    const input = await inputFile('bad.csv', transactionsCsv(6000, { row: 5000, quantity: 'lots' }));
    const error = await ingest(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'INVALID_VALUE', location: { row: 5000, column: 'quantity' } });
    await expectUnchanged(before);
  });

  it('writes nothing at all when required columns are missing', async () => {
    const before = await landFirst();
    const input = await inputFile('semicolons.csv', `${TX_HEADER.replaceAll(',', ';')}\nT1;x\n`);
    const error = await ingest(input).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MISSING_COLUMNS' });
    expect((error as Error).message).toContain("delimited by ';'");
    await expectUnchanged(before);
  });

  it('refuses a header without rows and an empty file', async () => {
    const before = await landFirst();
    await expect(ingest(await inputFile('header.csv', `${TX_HEADER}\n`))).rejects.toMatchObject({
      code: 'NO_ROWS',
    });
    await expect(ingest(await inputFile('empty.csv', ''))).rejects.toMatchObject({ code: 'EMPTY_FILE' });
    await expectUnchanged(before);
  });

  it('stops between batches when the signal aborts, landing nothing', async () => {
    const controller = new AbortController();
    const error = await ingest(generate({ records: 10_000 }), {
      signal: controller.signal,
      onProgress: (rows) => {
        if (rows >= 4096) controller.abort(new Error('worker shutting down'));
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('worker shutting down');
    expect(await temp.lake.storage.exists(LANDING)).toBe(false);
    expect(await temp.lake.storage.exists(META)).toBe(false);
  });

  it.skipIf(!existsSync('/proc/self/fd'))(
    'releases the input file whether the header or a row fails',
    async () => {
      const openFds = () => readdirSync('/proc/self/fd').length;
      const badRow = await inputFile('bad-row.csv', transactionsCsv(50_000, { row: 10, quantity: 'x' }));
      const badHeader = await inputFile('bad-header.csv', transactionsCsv(50_000).replace('quantity', 'qty'));
      await ingest(badRow).catch(() => undefined); // warm-up: lazily opened handles of the runtime
      const before = openFds();
      for (let i = 0; i < 5; i++) {
        await expect(ingest(badRow)).rejects.toMatchObject({ code: 'INVALID_VALUE' });
        await expect(ingest(badHeader)).rejects.toMatchObject({ code: 'MISSING_COLUMNS' });
      }
      await new Promise((resolve) => setTimeout(resolve, 50)); // closing is asynchronous
      expect(openFds()).toBe(before);
    },
  );

  it('refuses an invalid date before touching anything', async () => {
    await expect(
      ingestSource({
        lake: temp.lake,
        pipeline: salesEtl,
        runId: 'r',
        date: '2024-1-5',
        source: 'transactions',
        input: generate(),
      }),
    ).rejects.toMatchObject({ code: 'INVALID_DATE' });
    expect(await temp.lake.storage.list('')).toEqual([]);
  });
});

describe('ingestSource with a lake input', () => {
  it('reads a JSON object from the lake', async () => {
    await temp.lake.storage.put(
      'drop/products.json',
      JSON.stringify([
        { product: 'Widget A', category: 'Hardware', cost: 25, active: true },
        { product: 'Widget B', category: 'Hardware', cost: 45.5, active: false },
      ]),
    );
    const result = await ingest({ kind: 'lake', key: 'drop/products.json' }, { source: 'products' });
    expect(result.landing.rows).toBe(2);
    expect((await temp.lake.storage.get(landingKey('products', DATE))).toString('utf8')).toBe(
      'product,category,cost,active\nWidget A,Hardware,25,true\nWidget B,Hardware,45.5,false\n',
    );
  });
});
