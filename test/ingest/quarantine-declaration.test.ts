import { describe, expect, it } from 'vitest';
import { definePipeline } from '../../src/lib/definition/define.ts';
import { dimension, fact } from '../../src/lib/definition/sources.ts';
import { type RowRejects, SchemaValidator } from '../../src/lib/ingest/validate.ts';
import { refusal } from '../helpers/definition-errors.ts';

/**
 * The quarantine's declaration (its limit, checked when the definition loads) and the validator's
 * side of it: bad rows handed over with their rule instead of thrown.
 */

const DATE = '2024-05-02';
const P = 'q_test';

describe('SchemaValidator with rejects', () => {
  it('names a composite key in its rule and hands over each bad row with its index in the batch', () => {
    const source = dimension({
      key: ['region', 'site'],
      schema: { region: 'string', site: 'string', n: 'int' },
    });
    const validator = new SchemaValidator('sites', source, { date: DATE });
    validator.checkHeader(['region', 'site', 'n']);
    const taken: [number, string, string, number | undefined][] = [];
    const rejects: RowRejects = {
      reject: (row, index, rule, error) => taken.push([index, rule, row.join('|'), error.location?.row]),
    };
    validator.checkRows(
      [
        ['eu', 'a', '1'],
        ['eu', 'b', '2'],
      ],
      rejects,
    );
    validator.checkRows(
      [
        ['us', 'a', '3'],
        ['eu', 'a', '4'],
        ['us', 'b', '5.5'],
      ],
      rejects,
    );
    expect(taken).toEqual([
      [1, 'duplicate_key:region+site', 'eu|a|4', 4],
      [2, 'type:n:int', 'us|b|5.5', 5],
    ]);
    expect(validator.finish().rowCount).toBe(3);
  });
});

describe('a quarantine declaration', () => {
  const load = (quarantine: unknown) =>
    definePipeline({
      name: P,
      sources: {
        orders: fact({
          eventTime: 'ts',
          schema: { order_id: 'string', ts: 'datetime' },
          quarantine: quarantine as never,
        }),
      },
      transform: ({ from }) => from('orders').write('out'),
    });
  const problems = (quarantine: unknown): string => refusal(() => load(quarantine)).message;

  it('takes the limit forms of checks', () => {
    for (const limit of ['> 0', '>= 100', '> 1%', '>= 0.5%', '> 100%']) {
      expect(load({ limit }).sources.orders?.quarantine).toEqual({ limit });
    }
  });

  it('is refused at load naming the pipeline, the source and the problem', () => {
    expect(problems({ limit: '1%' })).toBe(
      `pipeline ${P} is not valid:\n  - source orders: quarantine: limit: threshold "1%": expected "> N", ">= N", "> N%" or ">= N%" (N a number) (at most 1%: "> 1%")`,
    );
    expect(problems({ limit: '> 150%' })).toContain(
      'source orders: quarantine: limit: threshold "> 150%": a share is at most 100%',
    );
    expect(problems({ limit: 100 })).toContain(
      `source orders: quarantine: expected { limit: '> 1%' } (a limit of the form "> N", ">= N", "> N%" or ">= N%" (N a number))`,
    );
    expect(problems({ limit: '> 1', max: 3 })).toContain(
      'source orders: quarantine: unknown option max (options: limit, checks, format)',
    );
  });
});
