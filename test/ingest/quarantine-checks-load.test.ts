import { describe, expect, it } from 'vitest';
import {
  acceptedValues,
  compare,
  complete,
  definePipeline,
  dimension,
  fact,
  inRange,
  matches,
  references,
  rowCount,
  rule,
  satisfies,
  unique,
} from '../../src/api.ts';
import { refusal } from '../helpers/definition-errors.ts';

/**
 * A quarantine's declared checks when the definition loads (kinds, columns and their types,
 * thresholds, lists, names), and their types: a check naming a column the source lacks fails `tsc`.
 */

const SCHEMA = {
  order_id: 'string',
  ts: 'datetime',
  customer_id: 'string',
  quantity: 'int',
  unit_price: 'float',
  total_amount: 'float',
  region: 'string',
} as const;

function pipelineWith(limit: string, checks: readonly unknown[]) {
  return definePipeline({
    name: 'qc_test',
    sources: {
      orders: fact({ eventTime: 'ts', schema: SCHEMA, quarantine: { limit, checks: checks as never } }),
      skus: dimension({ key: 'sku', schema: { sku: 'string', weight: 'float' } }),
    },
    transform: ({ from }) => from('orders').write('out'),
  });
}

describe('quarantine checks at load', () => {
  const problems = (checks: readonly unknown[]): string => refusal(() => pipelineWith('> 1', checks)).message;

  it('refuses the kinds that do not judge a row by itself, saying why', () => {
    expect(problems([unique('order_id')])).toContain(
      `source orders: quarantine: check "Uniqueness: order_id": a quarantine cannot take a uniqueness check: a row is not unique by itself: a dimension's key already quarantines its repeats, and a fact can be deduplicated in the transform (.dedupe)`,
    );
    expect(problems([references('customer_id', 'skus')])).toContain(
      'a quarantine cannot take a references check: the snapshots it reads are joined in the transform',
    );
    expect(problems([rowCount({ min: 1 })])).toContain(
      'a quarantine cannot take a row_count check: it judges the dataset as a whole, not a row',
    );
  });

  it('refuses columns not in the schema, and text where a check needs numbers', () => {
    const message = problems([
      inRange('qty', 1, 100),
      compare('Text', 'region', '>', 0),
      rule('Total', 'total_amount == quantity * region'),
      satisfies('Missing', ['nope'], () => true),
    ]);
    expect(message).toContain('quarantine: check "Range: qty [1, 100]": column qty is not in the schema');
    expect(message).toContain('quarantine: check "Text": column region is string, not int or float');
    expect(message).toContain('quarantine: check "Total": column region is string, not int or float');
    expect(message).toContain('quarantine: check "Missing": column nope is not in the schema');
  });

  it('refuses thresholds: every failing row is quarantined and the limit fails the run', () => {
    const message = problems([
      complete('customer_id', { warn: '> 0' }),
      inRange('quantity', 1, 100, { threshold: 0.5 }),
      matches('customer_id', 'digits', { severity: 'warn' }),
      compare('Samples', 'unit_price', '>', 0, { samples: 3 }),
    ]);
    const why = 'a quarantine check takes no warn, error, threshold, severity, blocking or samples';
    expect(message).toContain(`check "Completeness: customer_id": warn: ${why}`);
    expect(message).toContain(`check "Range: quantity [1, 100]": threshold: ${why}`);
    expect(message).toContain(`check "Format: customer_id digits": severity: ${why}`);
    expect(message).toContain(`check "Samples": samples: ${why}`);
    // The builders' defaults are not declarations: they load.
    expect(() => pipelineWith('> 1', [inRange('quantity', 1, 100, { threshold: 0.99 })])).not.toThrow();
  });

  it('refuses accepted values of a kind the column never holds, repeated names, a bad rule', () => {
    const message = problems([
      acceptedValues('Numbers', 'region', [1, 'north']),
      acceptedValues('Texts', 'quantity', ['1']),
      complete('region'),
      complete('region'),
      rule('Broken', 'quantity >'),
    ]);
    expect(message).toContain(
      'check "Numbers": values 1 are numbers, but the column is string: list them as text',
    );
    expect(message).toContain('check "Texts": values "1" are text, but the column is int: list numbers');
    expect(message).toContain(
      'check "Completeness: region": another check has this name (its rule is check:Completeness: region)',
    );
    expect(message).toMatch(/check "Broken": expression: rule "quantity >": expected/);
  });

  it('refuses checks that are not a list and names the options', () => {
    expect(problems('nope' as never)).toContain('quarantine: checks: expected a list of checks');
  });

  it('types the checks by the source’s columns', () => {
    fact({
      eventTime: 'ts',
      schema: SCHEMA,
      quarantine: {
        limit: '> 1',
        checks: [
          inRange('quantity', 1, 100),
          // @ts-expect-error: no such column
          inRange('qty', 1, 100),
          // @ts-expect-error: region is text
          compare('Text', 'region', '>', 0),
          // @ts-expect-error: uniqueness needs the rows before
          unique('order_id'),
          // @ts-expect-error: no such column
          satisfies('Missing', ['nope'], () => true),
        ],
      },
    });
    dimension({
      key: 'sku',
      schema: { sku: 'string', weight: 'float' },
      // @ts-expect-error: no such column
      quarantine: { limit: '> 1', checks: [complete('size')] },
    });
  });
});
