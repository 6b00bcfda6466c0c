import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  complete,
  count,
  dateOf,
  definePipeline,
  dimension,
  fact,
  inRange,
  sum,
  unique,
} from '../../src/api.ts';

/**
 * The definition API's types: a column that does not exist is a compile error (`tsc --noEmit` runs
 * before the tests and fails on an unused `@ts-expect-error`), and the same mistakes fail at load.
 */
const sources = {
  readings: fact({ eventTime: 'ts', schema: { device: 'string', ts: 'datetime', temp: 'float', n: 'int' } }),
  devices: dimension({ key: 'device', schema: { device: 'string', site: 'string', height: 'float' } }),
};

describe('definition types', () => {
  it('infers row types through the chain', () => {
    definePipeline({
      name: 'typed',
      sources,
      transform: ({ from }) =>
        from('readings')
          .fillNull({ device: 'unknown' })
          .derive({ day: dateOf('ts') })
          .lookup('devices', { take: ['site'] })
          .filter((row) => {
            expectTypeOf(row.temp).toEqualTypeOf<number>();
            expectTypeOf(row.device).toEqualTypeOf<string>();
            expectTypeOf(row.site).toEqualTypeOf<string | null>();
            expectTypeOf(row.day).toEqualTypeOf<string | null>();
            return true;
          })
          .write('enriched')
          .aggregate({ by: ['site'], measures: { readings: count(), total: sum('temp') } })
          .filter((group) => {
            expectTypeOf(group).toEqualTypeOf<{ site: string; readings: number; total: number }>();
            return true;
          })
          .write('by_site'),
      quality: ({ suite }) => ({
        enriched: suite('enriched', [unique('device'), inRange('temp', -40, 60)]),
        by_site: suite('by_site', [complete('site')]),
      }),
    });
  });

  it('rejects unknown columns, non-numeric measures and checks, and unknown sources, at compile time and at load', () => {
    expect(() =>
      definePipeline({
        name: 'bad_step',
        sources,
        // @ts-expect-error: no column 'nope'
        transform: ({ from }) => from('readings').dedupe('nope').write('out'),
      }),
    ).toThrow(/step 1 \(dedupe\): key column nope does not exist/);

    expect(() =>
      definePipeline({
        name: 'bad_measure',
        sources,
        transform: ({ from }) =>
          from('readings')
            // @ts-expect-error: sum over a text column
            .aggregate({ by: ['ts'], measures: { total: sum('device') } })
            .write('out'),
      }),
    ).toThrow(/measure total: sum over column device, which is string, not numeric/);

    expect(() =>
      definePipeline({
        name: 'bad_lookup',
        sources,
        transform: ({ from }) =>
          from('readings')
            // @ts-expect-error: readings is not a dimension
            .lookup('readings', { take: ['temp'] })
            .write('out'),
      }),
    ).toThrow(/"readings" is not a dimension source/);

    expect(() =>
      definePipeline({
        name: 'bad_take',
        sources,
        transform: ({ from }) =>
          from('readings')
            // @ts-expect-error: devices has no column 'colour'
            .lookup('devices', { take: ['colour'] })
            .write('out'),
      }),
    ).toThrow(/take: devices has no column colour/);

    expect(() =>
      definePipeline({
        name: 'bad_check',
        sources,
        transform: ({ from }) => from('readings').write('out'),
        // @ts-expect-error: inRange needs a numeric column
        quality: ({ suite }) => ({ out: suite('out', [inRange('device', 0, 1)]) }),
      }),
    ).toThrow(/check "Range: device \[0, 1\]": column device is string, not numeric/);

    expect(() =>
      definePipeline({
        name: 'bad_dataset',
        sources,
        transform: ({ from }) => from('readings').write('out'),
        // @ts-expect-error: no dataset 'other'
        quality: ({ suite }) => ({ other: suite('other', [complete('device')]) }),
      }),
    ).toThrow(/no output dataset "other"/);
  });
});
