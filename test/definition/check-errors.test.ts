import { describe, expect, it } from 'vitest';
import {
  definePipeline,
  dimension,
  fact,
  fresh,
  matches,
  references,
  rowCount,
  rowCountChange,
  rule,
  satisfies,
  schemaStable,
  uniqueTogether,
} from '../../src/api.ts';
import { refusal } from '../helpers/definition-errors.ts';

/**
 * The new check kinds refused when the definition loads: what their types cannot see (a source that
 * is not a dimension, a column's type, a rule's text, bounds), each problem naming the pipeline, the
 * suite and the check.
 */

const SOURCES = {
  readings: fact({
    eventTime: 'ts',
    schema: { device_id: 'string', ts: 'datetime', temp_c: 'float', humidity: 'float', site_code: 'string' },
  }),
  devices: dimension({ key: 'device_id', schema: { device_id: 'string', site: 'string' } }),
  prices: dimension({ key: ['sku', 'region'], schema: { sku: 'string', region: 'string', price: 'float' } }),
};

// A JavaScript definition (or a cast) reaches definePipeline with checks tsc did not see.
// biome-ignore lint/suspicious/noExplicitAny: a definition tsc cannot check is the point
type Untyped = any;

/** A definition with one suite `daily` of `checks` over readings_out. */
function spec(checks: unknown[]): never {
  return {
    name: 'sensor_check',
    sources: SOURCES,
    transform: ({ from }: Untyped) => from('readings').write('readings_out'),
    quality: ({ suite }: Untyped) => ({ daily: suite('readings_out', checks) }),
  } as never;
}

/** The problem lines of the refused definition (asserting it names the pipeline). */
function problems(checks: unknown[]): string[] {
  const [first, ...lines] = refusal(() => definePipeline(spec(checks))).message.split('\n');
  expect(first).toBe('pipeline sensor_check is not valid:');
  return lines.map((line) => line.replace(/^ {2}- /, ''));
}

const where = (check: string) => `quality suite daily: check "${check}"`;

describe('definePipeline: the new check kinds', () => {
  it('a sound definition with every new kind loads', () => {
    const definition = definePipeline(
      spec([
        matches('device_id', /D\d+/),
        uniqueTogether(['device_id', 'ts']),
        rule('Dew point', 'abs(temp_c - humidity) >= 0 and humidity <= 100', { tolerance: 0.1 }),
        references('device_id', 'devices'),
        references('site_code', 'prices', { key: 'sku' }),
        satisfies('Short site', ['site_code'], (row) => String(row.site_code).length < 10),
        rowCount({ min: 1, max: 1 }),
        rowCountChange({ warn: '> 20%' }),
        fresh('ts', { error: '> 6h' }),
        schemaStable(),
      ]),
    );
    expect(definition.suites.daily?.checks).toHaveLength(10);
  });

  it('references: a source that is not a dimension, or not declared', () => {
    expect(problems([references('device_id', 'readings'), references('device_id', 'nope')])).toEqual([
      `${where('References: device_id in readings')}: "readings" is not a dimension source (dimensions: devices, prices)`,
      `${where('References: device_id in nope')}: "nope" is not a dimension source (dimensions: devices, prices)`,
    ]);
  });

  it('references: a composite-key dimension needs key, and key must be in its schema', () => {
    expect(
      problems([references('device_id', 'prices'), references('device_id', 'prices', { key: 'nope' })]),
    ).toEqual([
      `${where('References: device_id in prices')}: prices has a composite key: name the column with key`,
      `${where('References: device_id in prices')}: key nope is not in the schema of prices`,
    ]);
  });

  it('freshness on a column that is not a datetime or a date', () => {
    expect(problems([fresh('temp_c', { error: '> 6h' }), fresh('nope', { error: '> 6h' })])).toEqual([
      `${where('Freshness: temp_c')}: column temp_c is float, not datetime or date`,
      `${where('Freshness: nope')}: column nope is not in dataset readings_out`,
    ]);
  });

  it('a rule over a text column, a missing column, or text that does not parse', () => {
    expect(
      problems([
        rule('Text', 'temp_c > site_code'),
        rule('Missing', 'temp_c > dew_point'),
        rule('Broken', 'temp_c >'),
      ]),
    ).toEqual([
      `${where('Text')}: column site_code is string, not numeric`,
      `${where('Missing')}: column dew_point is not in dataset readings_out`,
      `${where('Broken')}: expression: rule "temp_c >": expected a number, a column or "(" at the end`,
    ]);
  });

  it('a pattern that is not a regular expression; a composite key over a missing column', () => {
    const lines = problems([matches('site_code', '[a-'), uniqueTogether(['device_id', 'nope' as 'ts'])]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^quality suite daily: check "Format: site_code \[a-": pattern: pattern "\[a-": Invalid regular expression/,
    );
    expect(lines[1]).toBe(
      `${where('Uniqueness: device_id, nope')}: column nope is not in dataset readings_out`,
    );
  });

  it('row_count: min above max, or neither', () => {
    expect(
      problems([rowCount({ min: 5, max: 3 }), rowCount({ min: 3, max: 3 }), rowCount({ name: 'Rows' })]),
    ).toEqual([
      `${where('Row count [5, 3]')}: min 5 is above max 3`,
      `${where('Rows')}: a row_count check needs min and/or max`,
    ]);
  });

  it('a dataset check without levels, or with a threshold of the wrong form', () => {
    expect(
      problems([
        rowCountChange({}),
        fresh('ts', {}),
        rowCountChange({ error: '> 6h' }),
        fresh('ts', { name: 'Fresh', warn: '> 6' }),
        schemaStable({ error: ['renamed' as 'added'] }),
      ]),
    ).toEqual([
      `${where('Row count change over 3 runs')}: a row_count_change check needs warn and/or error`,
      `${where('Freshness: ts')}: a freshness check needs warn and/or error`,
      `${where('Row count change over 3 runs')}: error: threshold "> 6h": expected "> N", ">= N", "> N%" or ">= N%" (N a number)`,
      `${where('Fresh')}: warn: threshold "> 6": expected "> N" or ">= N" followed by m, h or d, e.g. "> 6h"`,
      expect.stringMatching(/^quality suite daily: check "Schema": error\.0: Invalid (option|enum value)/),
    ]);
  });

  it('every problem at once, each naming its suite and check', () => {
    const lines = problems([
      references('device_id', 'readings'),
      fresh('site_code', { error: '> 1h' }),
      rule('Text', 'humidity == site_code'),
      rowCount({ min: 2, max: 1 }),
    ]);
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/^quality suite daily: check "[^"]+": /);
  });
});
