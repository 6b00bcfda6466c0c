import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acceptedValues,
  compare,
  complete,
  dimension,
  fact,
  inRange,
  matches,
  rule,
  satisfies,
} from '../../src/api.ts';
import { definePipeline } from '../../src/lib/definition/define.ts';
import type { Source } from '../../src/lib/definition/sources.ts';
import { InputError } from '../../src/lib/errors.ts';
import { ingestSource, type LandingMetadata } from '../../src/lib/ingest/ingest.ts';
import { quarantineScreen } from '../../src/lib/ingest/quarantine.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { ingestResultSchema } from '../../src/lib/pipeline/jobs.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

/**
 * A quarantine's declared checks at ingestion: a row that passed validation and fails one goes to
 * the quarantine under `check:<name>`; the limit counts every quarantined row (load: the -load test).
 */

const DATE = '2024-05-02';
const P = 'qc_test';
const HEADER = 'order_id,ts,customer_id,quantity,unit_price,total_amount,region';
const SCHEMA = {
  order_id: 'string',
  ts: 'datetime',
  customer_id: 'string',
  quantity: 'int',
  unit_price: 'float',
  total_amount: 'float',
  region: 'string',
} as const;
const CHECKS = [
  inRange('quantity', 1, 100),
  matches('customer_id', /^CUST\d+$/),
  rule('Total', 'total_amount == quantity * unit_price', { tolerance: 0.01 }),
  complete('customer_id'),
  acceptedValues('Regions', 'region', ['north', 'south']),
  compare('Positive price', 'unit_price', '>', 0),
  satisfies('Short ids', ['order_id'], (row) => String(row.order_id).length <= 6),
];

function pipelineWith(limit: string, orderChecks: readonly unknown[] = CHECKS) {
  return definePipeline({
    name: P,
    sources: {
      orders: fact({
        eventTime: 'ts',
        schema: SCHEMA,
        required: ['order_id', 'ts', 'customer_id', 'quantity', 'unit_price', 'total_amount'],
        quarantine: { limit, checks: orderChecks as never },
      }),
      skus: dimension({
        key: 'sku',
        schema: { sku: 'string', weight: 'float' },
        quarantine: { limit: '> 5', checks: [compare('Light', 'weight', '<', 10)] },
      }),
    },
    transform: ({ from }) => from('orders').write('out'),
  });
}

/** `count` good order rows, with the 1-based rows of `bad` replaced by the lines given. */
function ordersCsv(count: number, bad: Record<number, string> = {}): string {
  const lines = [HEADER];
  for (let i = 1; i <= count; i++) lines.push(bad[i] ?? `O${i},${DATE} 10:00:00,CUST${i},2,1.5,3.0,north`);
  return `${lines.join('\n')}\n`;
}

let temp: TempLake;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(() => temp.cleanup());

async function ingest(csv: string, limit = '> 50%', source = 'orders', checks?: readonly unknown[]) {
  const file = path.join(temp.dir, `${source}.csv`);
  await writeFile(file, csv);
  const result = await ingestSource({
    lake: temp.lake,
    pipeline: pipelineWith(limit, checks),
    runId: 'run-1',
    date: DATE,
    source,
    input: { kind: 'file', path: file },
  });
  return { result: ingestResultSchema.parse(result), file };
}

async function ingestError(csv: string, limit?: string, checks?: readonly unknown[]): Promise<InputError> {
  const error = await ingest(csv, limit, 'orders', checks).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

const rowsOf = (key: string) => temp.lake.readCsvRows(key);
const QUARANTINE = lakeKeys.quarantine(P, 'orders', DATE);

describe('ingestion with quarantine checks', () => {
  it('quarantines the valid rows failing a check under check:<name>, the first failing check deciding', async () => {
    const csv = ordersCsv(12, {
      2: `O2,${DATE} 10:00:00,CUST2,0,1.5,0,north`, // quantity 0: range (before the rule, also false)
      3: `O3,${DATE} 10:00:00,X3,2,1.5,3.0,north`, // customer id format
      4: `O4,${DATE} 10:00:00,CUST4,2,1.5,3.5,north`, // total
      5: `O5,${DATE} 10:00:00,,2,1.5,3.0,north`, // null customer: not a format failure, completeness
      6: `O6,${DATE} 10:00:00,CUST6,2,1.5,3.0,west`, // region
      7: `O7,${DATE} 10:00:00,CUST7,x,1.5,3.0,west`, // validation first: type, not region
      8: `O8,${DATE} 10:00:00,CUST8,2,-1.5,-3.0,north`, // price
      9: `O9-LONG,${DATE} 10:00:00,CUST9,2,1.5,3.0,north`, // custom
      10: `O10,${DATE} 10:00:00,CUST10,2,1.5,3.004,`, // within the tolerance; a null region is not in the list
    });
    const { result, file } = await ingest(csv, '> 80%');
    expect((await rowsOf(lakeKeys.landing(P, 'orders', DATE))).rows.map((row) => row[0])).toEqual([
      'O1',
      'O11',
      'O12',
    ]);
    const quarantined = (await rowsOf(QUARANTINE)).rows;
    // `_rule` @ `_row`: `_error`, whose location names source, object, row and the column(s) read.
    const where = (row: number, column: string) =>
      ` (source orders, object ${file}, row ${row}, column ${column})`;
    expect(quarantined.map((row) => `${row[0]} @${row[1]}: ${row[2]}`)).toEqual([
      `check:Range: quantity [1, 100] @2: quantity 0 not in [1, 100]${where(2, 'quantity')}`,
      `check:Format: customer_id /^CUST\\d+$/ @3: customer_id "X3" does not match /^CUST\\d+$/${where(3, 'customer_id')}`,
      `check:Total @4: total_amount == quantity * unit_price is false for total_amount 3.5, quantity 2, unit_price 1.5${where(4, 'total_amount, quantity, unit_price')}`,
      `check:Completeness: customer_id @5: customer_id is null${where(5, 'customer_id')}`,
      `check:Regions @6: region "west" not one of "north", "south"${where(6, 'region')}`,
      `type:quantity:int @7: invalid int value "x"${where(7, 'quantity')}`,
      `check:Positive price @8: unit_price -1.5 not > 0${where(8, 'unit_price')}`,
      `check:Short ids @9: false for order_id "O9-LONG"${where(9, 'order_id')}`,
      `check:Regions @10: region null not one of "north", "south"${where(10, 'region')}`,
    ]);
    // The original columns follow, as their text.
    expect(quarantined[0]?.slice(3)).toEqual(['O2', `${DATE} 10:00:00`, 'CUST2', '0', '1.5', '0', 'north']);
    const byRule = {
      'check:Range: quantity [1, 100]': 1,
      'check:Format: customer_id /^CUST\\d+$/': 1,
      'check:Total': 1,
      'check:Completeness: customer_id': 1,
      'check:Regions': 2,
      'type:quantity:int': 1,
      'check:Positive price': 1,
      'check:Short ids': 1,
    };
    expect(result.quarantine?.byRule).toEqual(byRule);
    // Row 5's null customer went with the row: no null-count warning.
    expect(result.warnings).toEqual([]);
    const meta = await temp.lake.readJson<LandingMetadata>(lakeKeys.landingMeta(P, 'orders', DATE));
    expect(meta).toMatchObject({ rowCount: 3, quarantine: { key: QUARANTINE, rows: 9, byRule } });
  });

  it('counts the checks’ rows and validation’s together against the limit', async () => {
    const bad = { 2: `O2,${DATE} 10:00:00,CUST2,0,1.5,0,north`, 5: `O5,${DATE} 10:00:00,CUST5,y,1,1,north` };
    expect((await ingest(ordersCsv(10, bad), '> 2')).result.quarantine?.ref.rows).toBe(2);
    const third = { ...bad, 9: `O9,${DATE} 10:00:00,CUST9,2,1.5,3.0,east` };
    const error = await ingestError(ordersCsv(10, third), '> 2');
    expect(error.code).toBe('QUARANTINE_LIMIT');
    expect(error.message).toContain(
      '3 of 9 rows so far quarantined (check:Range: quantity [1, 100] 1, type:quantity:int 1, check:Regions 1)',
    );
    expect((await ingestError(ordersCsv(10, third), '>= 30%')).message).toContain('3 of 10 rows quarantined');
  });

  it('a dimension row failing a check takes no key: a later row of that key lands', async () => {
    const { result } = await ingest('sku,weight\nA,12\nA,3\nB,1\nB,2\n', undefined, 'skus');
    expect((await rowsOf(lakeKeys.landing(P, 'skus', DATE))).rows).toEqual([
      ['A', '3'],
      ['B', '1'],
    ]);
    expect(result.quarantine?.byRule).toEqual({ 'check:Light': 1, 'duplicate_key:sku': 1 });
  });

  it('a fact row failing a check does not set the input’s UTC offset', async () => {
    const csv = ordersCsv(3, { 1: `O1,${DATE}T10:00:00+02:00,CUST1,500,1,500,north` });
    const { result } = await ingest(csv);
    expect(result.quarantine?.byRule).toEqual({ 'check:Range: quantity [1, 100]': 1 });
    expect(result.landing.rows).toBe(2);
  });

  it('refuses an input without a column a check reads, writing nothing', async () => {
    const csv = `order_id,ts,customer_id,quantity,unit_price,total_amount\nO1,${DATE} 10:00:00,CUST1,2,1.5,3.0\n`;
    const error = await ingestError(csv);
    expect(error.code).toBe('MISSING_COLUMNS');
    expect(error.message).toMatch(/^Missing columns the quarantine's checks read: region \(source orders/);
    expect(await temp.lake.storage.list(`${P}/`)).toEqual([]);
    // Without checks on it, the optional column may be absent.
    expect((await ingest(csv, '> 1', 'orders', [inRange('quantity', 1, 100)])).result.landing.rows).toBe(1);
  });

  it('builds no row test for a source without checks', () => {
    const bare: Source = fact({ eventTime: 'ts', schema: SCHEMA, quarantine: { limit: '> 1' } });
    expect(quarantineScreen('orders', bare, HEADER.split(','))).toBeUndefined();
    const empty: Source = fact({ eventTime: 'ts', schema: SCHEMA, quarantine: { limit: '> 1', checks: [] } });
    expect(quarantineScreen('orders', empty, HEADER.split(','))).toBeUndefined();
  });
});
