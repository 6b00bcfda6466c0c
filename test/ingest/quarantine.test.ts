import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { definePipeline } from '../../src/lib/definition/define.ts';
import { dimension, fact } from '../../src/lib/definition/sources.ts';
import { InputError } from '../../src/lib/errors.ts';
import { ingestSource, type LandingMetadata } from '../../src/lib/ingest/ingest.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { ingestResultSchema } from '../../src/lib/pipeline/jobs.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

/**
 * A source's quarantine at ingestion: bad rows go to `<pipeline>/quarantine/<source>/date=D/` with
 * their rule, row number and error, the others land; past the limit nothing is written. Inputs are
 * small CSV files whose bad rows are counted by hand.
 */

const DATE = '2024-05-02';
const P = 'q_test';
const HEADER = 'order_id,ts,qty,price';

/** A pipeline whose fact `orders` and dimension `skus` declare quarantines with these limits. */
function pipelineWith(ordersLimit: string | undefined, skusLimit = '> 5') {
  return definePipeline({
    name: P,
    sources: {
      orders: fact({
        eventTime: 'ts',
        schema: { order_id: 'string', ts: 'datetime', qty: 'int', price: 'float' },
        ...(ordersLimit === undefined ? {} : { quarantine: { limit: ordersLimit } }),
      }),
      skus: dimension({
        key: 'sku',
        schema: { sku: 'string', weight: 'float' },
        quarantine: { limit: skusLimit },
      }),
    },
    transform: ({ from }) => from('orders').write('out'),
  });
}

/** `count` good order rows, with the 1-based rows of `bad` replaced by the lines given. */
function ordersCsv(count: number, bad: Record<number, string> = {}): string {
  const lines = [HEADER];
  for (let i = 1; i <= count; i++) lines.push(bad[i] ?? `O${i},${DATE} 10:00:00,${i},1.5`);
  return `${lines.join('\n')}\n`;
}

let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

async function ingestCsv(csv: string, limit: string | undefined, source = 'orders', skusLimit?: string) {
  const file = path.join(temp.dir, `${source}.csv`);
  await writeFile(file, csv);
  const result = await ingestSource({
    lake: temp.lake,
    pipeline: pipelineWith(limit, skusLimit),
    runId: 'run-1',
    date: DATE,
    source,
    input: { kind: 'file', path: file },
  });
  return { result: ingestResultSchema.parse(result), file };
}

async function ingestError(csv: string, limit: string | undefined, source = 'orders'): Promise<InputError> {
  const error = await ingestCsv(csv, limit, source).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

const rowsOf = async (key: string) => temp.lake.readCsvRows(key);
const exists = (key: string) => temp.lake.storage.exists(key);
const LANDING = lakeKeys.landing(P, 'orders', DATE);
const QUARANTINE = lakeKeys.quarantine(P, 'orders', DATE);

describe('ingestion with a quarantine', () => {
  it('lands the good rows and quarantines the bad ones with rule, row and error', async () => {
    // 10 rows; row 3 has a bad quantity (and a null id, not counted), row 6 an event time off the
    // date, row 8 a bad price; row 9 a null id, the one null that lands.
    const csv = ordersCsv(10, {
      3: `,${DATE} 10:00:00,x,1.5`,
      6: `O6,2024-05-03 00:00:00,6,1.5`,
      8: `O8,${DATE} 10:00:00,8,abc`,
      9: `,${DATE} 10:00:00,9,1.5`,
    });
    const { result, file } = await ingestCsv(csv, '> 3');

    const landing = await rowsOf(LANDING);
    expect(landing.header).toEqual(HEADER.split(','));
    expect(landing.rows.map((row) => row[2])).toEqual(['1', '2', '4', '5', '7', '9', '10']);
    expect(result.landing.rows).toBe(7);

    const quarantined = await rowsOf(QUARANTINE);
    expect(quarantined.header).toEqual(['_rule', '_row', '_error', ...HEADER.split(',')]);
    const where = (row: number, column: string) =>
      `(source orders, object ${file}, row ${row}, column ${column})`;
    expect(quarantined.rows).toEqual([
      ['type:qty:int', '3', `invalid int value "x" ${where(3, 'qty')}`, '', `${DATE} 10:00:00`, 'x', '1.5'],
      [
        'event_time:ts:date',
        '6',
        `event time "2024-05-03 00:00:00" is not on the run's date ${DATE} ${where(6, 'ts')}`,
        'O6',
        '2024-05-03 00:00:00',
        '6',
        '1.5',
      ],
      [
        'type:price:float',
        '8',
        `invalid float value "abc" ${where(8, 'price')}`,
        'O8',
        `${DATE} 10:00:00`,
        '8',
        'abc',
      ],
    ]);
    const byRule = { 'type:qty:int': 1, 'event_time:ts:date': 1, 'type:price:float': 1 };
    expect(result.quarantine).toEqual({
      ref: expect.objectContaining({ key: QUARANTINE, rows: 3 }),
      byRule,
    });
    expect(result.warnings).toEqual(["Column 'order_id' has 1 null values"]);

    const meta = await temp.lake.readJson<LandingMetadata>(lakeKeys.landingMeta(P, 'orders', DATE));
    expect(meta.rowCount).toBe(7);
    expect(meta.validation.rowCount).toBe(7);
    expect(meta.quarantine).toEqual({ key: QUARANTINE, rows: 3, byRule });
  });

  it('passes exactly at a rows limit and fails one row past it, leaving the earlier objects', async () => {
    const bad = (n: number) => `O${n},${DATE} 10:00:00,q${n},1.5`;
    const { result } = await ingestCsv(ordersCsv(10, { 2: bad(2), 5: bad(5) }), '> 2');
    expect(result.quarantine?.ref.rows).toBe(2);
    const before = [await temp.lake.storage.get(LANDING), await temp.lake.storage.get(QUARANTINE)];

    const error = await ingestError(ordersCsv(10, { 2: bad(2), 5: bad(5), 7: bad(7) }), '> 2');
    expect(error.code).toBe('QUARANTINE_LIMIT');
    expect(error.retryable).toBe(false);
    // A rows limit stops reading at the row that reaches it.
    expect(error.message).toBe(
      `quarantine limit "> 2" reached: 3 of 7 rows so far quarantined (type:qty:int 3) (source orders, object ${path.join(temp.dir, 'orders.csv')})`,
    );
    expect([await temp.lake.storage.get(LANDING), await temp.lake.storage.get(QUARANTINE)]).toEqual(before);
  });

  it('writes nothing at all over the limit on a fresh date', async () => {
    const error = await ingestError(ordersCsv(4, { 1: `O1,${DATE} 10:00:00,1,x`, 2: `O2,x,2,1` }), '> 1');
    expect(error.code).toBe('QUARANTINE_LIMIT');
    expect(await temp.lake.storage.list(`${P}/`)).toEqual([]);
    // Reached in the third batch of 512, after the quarantine object had rows of the first two.
    const late = Object.fromEntries([1, 600, 1200].map((n) => [n, `O${n},${DATE} 10:00:00,bad,1.5`]));
    expect((await ingestError(ordersCsv(1500, late), '> 2')).message).toContain('3 of 1200 rows so far');
    expect(await temp.lake.storage.list(`${P}/`)).toEqual([]);
  });

  it('compares a share of the input rows exactly, at the end of the input', async () => {
    const twoOf20 = ordersCsv(20, { 4: `O4,${DATE} 10:00:00,4.5,1`, 17: `O17,${DATE} 10:00:00,1,1.x` });
    expect((await ingestCsv(twoOf20, '> 10%')).result.quarantine?.byRule).toEqual({
      'type:qty:int': 1,
      'type:price:float': 1,
    });
    expect((await ingestError(twoOf20, '>= 10%')).message).toMatch(
      /^quarantine limit ">= 10%" reached: 2 of 20 rows quarantined \(type:qty:int 1, type:price:float 1\)/,
    );
    const threeOf20 = ordersCsv(20, {
      1: `O1,${DATE} 10:00:00,z,1`,
      2: `O2,${DATE} 10:00:00,z,1`,
      20: `O20,${DATE} 10:00:00,20,1.x`,
    });
    const error = await ingestError(threeOf20, '> 10%');
    expect(error.code).toBe('QUARANTINE_LIMIT');
    expect(error.message).toContain('3 of 20 rows quarantined');
    // Both objects were complete when the share was compared: both were dropped, the first run's stay.
    expect((await rowsOf(QUARANTINE)).rows.map((row) => row[1])).toEqual(['4', '17']);
    expect((await rowsOf(LANDING)).rows).toHaveLength(18);
  });

  it('keeps rows and their order across batches', async () => {
    // The reader yields 512 rows a batch: bad rows at both ends of the first two batches.
    const badRows = [1, 512, 513, 1024, 1500];
    const bad = Object.fromEntries(badRows.map((n) => [n, `O${n},${DATE} 10:00:00,bad,1.5`]));
    const { result } = await ingestCsv(ordersCsv(1500, bad), '> 1%');
    expect(result.landing.rows).toBe(1495);
    const landing = await rowsOf(LANDING);
    const expected = Array.from({ length: 1500 }, (_, i) => i + 1).filter((n) => !badRows.includes(n));
    expect(landing.rows.map((row) => Number(row[2]))).toEqual(expected);
    expect((await rowsOf(QUARANTINE)).rows.map((row) => [row[1], row[3]])).toEqual(
      badRows.map((n) => [String(n), `O${n}`]),
    );
  });

  it('refuses an empty input and an input whose every row is bad, writing nothing', async () => {
    expect((await ingestError(`${HEADER}\n`, '> 100%')).code).toBe('NO_ROWS');
    const error = await ingestError(
      ordersCsv(2, { 1: `O1,${DATE} 10:00:00,a,1`, 2: `O2,${DATE} 10:00:00,b,1` }),
      '> 100%',
    );
    expect(error.code).toBe('QUARANTINE_LIMIT');
    expect(error.message).toContain('every row (2) was quarantined: nothing to land (type:qty:int 2)');
    expect(await temp.lake.storage.list(`${P}/`)).toEqual([]);
  });

  it('deletes the date’s quarantine object when a re-run quarantines nothing', async () => {
    await ingestCsv(ordersCsv(5, { 3: `O3,${DATE} 10:00:00,x,1` }), '> 1');
    expect(await exists(QUARANTINE)).toBe(true);
    const { result } = await ingestCsv(ordersCsv(5), '> 1');
    expect(result.quarantine).toBeNull();
    expect(await exists(QUARANTINE)).toBe(false);
    const meta = await temp.lake.readJson<LandingMetadata>(lakeKeys.landingMeta(P, 'orders', DATE));
    expect(meta.quarantine).toEqual({ key: null, rows: 0, byRule: {} });
  });

  it('quarantines the repeats of a dimension key, keeping the first; a quarantined row takes no key', async () => {
    // Row 2 repeats A; row 3 has a bad weight, so B is free for row 4; row 6 repeats B.
    const csv = 'sku,weight\nA,1\nA,2\nB,x\nB,3\nC,4\nB,5\n';
    const { result } = await ingestCsv(csv, undefined, 'skus');
    const key = lakeKeys.quarantine(P, 'skus', DATE);
    expect((await rowsOf(lakeKeys.landing(P, 'skus', DATE))).rows).toEqual([
      ['A', '1'],
      ['B', '3'],
      ['C', '4'],
    ]);
    expect((await rowsOf(key)).rows.map((row) => [row[0], row[1], row[3], row[4]])).toEqual([
      ['duplicate_key:sku', '2', 'A', '2'],
      ['type:weight:float', '3', 'B', 'x'],
      ['duplicate_key:sku', '6', 'B', '5'],
    ]);
    expect(result.quarantine?.byRule).toEqual({ 'duplicate_key:sku': 2, 'type:weight:float': 1 });
    expect((await rowsOf(key)).rows[0]?.[2]).toMatch(
      /^duplicate key "A" \(source skus, object .*, row 2, column sku\)$/,
    );
  });

  it('still fails the run on what is not about one row: mixed UTC offsets, missing columns', async () => {
    const mixed = ordersCsv(3, { 2: `O2,${DATE}T10:00:00+02:00,2,1` });
    expect((await ingestError(mixed, '> 5')).code).toBe('MIXED_TIMEZONES');
    expect((await ingestError('order_id,qty,price\nO1,1,1\n', '> 5')).code).toBe('MISSING_COLUMNS');
    expect(await temp.lake.storage.list(`${P}/`)).toEqual([]);
  });

  it('takes the first UTC offset from a row that lands, not from a quarantined one', async () => {
    // Row 1 is off the date and at +02:00: quarantined, so the naive rows after it are not "mixed".
    const csv = ordersCsv(3, { 1: `O1,2024-05-01T23:00:00+02:00,1,1` });
    const { result } = await ingestCsv(csv, '> 1');
    expect(result.quarantine?.byRule).toEqual({ 'event_time:ts:date': 1 });
    expect(result.landing.rows).toBe(2);
  });

  it('without a declaration fails at the first bad row, as before, and touches no quarantine', async () => {
    const error = await ingestError(ordersCsv(3, { 2: `O2,${DATE} 10:00:00,x,1` }), undefined);
    expect(error.code).toBe('INVALID_VALUE');
    expect(error.location).toMatchObject({ row: 2, column: 'qty' });
    const { result } = await ingestCsv(ordersCsv(3), undefined);
    expect(result.quarantine).toBeNull();
    const meta = await temp.lake.readJson<LandingMetadata>(lakeKeys.landingMeta(P, 'orders', DATE));
    expect(meta).not.toHaveProperty('quarantine');
  });
});
