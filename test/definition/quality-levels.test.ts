import { describe, expect, it } from 'vitest';
import { acceptedValues, compare, complete, definePipeline, fact, inRange, unique } from '../../src/api.ts';
import type { RowCheck } from '../../src/lib/quality/checks.ts';
import { refusal } from '../helpers/definition-errors.ts';

/**
 * Warn/error thresholds and samples in definitions: the builders make checks as data, `suite()` takes
 * a sample limit, and a bad threshold or a check with both forms is refused when the definition loads,
 * naming the suite and the check.
 */

const SOURCES = {
  readings: fact({
    eventTime: 'ts',
    schema: { device_id: 'string', ts: 'datetime', temp_c: 'float', site: 'string' },
  }),
};

// biome-ignore lint/suspicious/noExplicitAny: a definition tsc cannot check (JavaScript, a cast) is the point
type Untyped = any;

function spec(quality: (context: Untyped) => unknown): never {
  return {
    name: 'levels_check',
    sources: SOURCES,
    transform: ({ from }: Untyped) => from('readings').write('readings_out'),
    quality,
  } as never;
}

/** The problem lines of a refused definition. */
function problems(definition: never): string[] {
  const [first, ...lines] = refusal(() => definePipeline(definition)).message.split('\n');
  expect(first).toBe('pipeline levels_check is not valid:');
  return lines.map((line) => line.replace(/^ {2}- /, ''));
}

describe('check builders with warn and error', () => {
  it('make checks of the levels form, without the notebook’s threshold and severity', () => {
    expect(complete('site', { warn: '> 0', error: '> 1%' })).toEqual({
      name: 'Completeness: site',
      type: 'completeness',
      kind: 'completeness',
      column: 'site',
      warn: '> 0',
      error: '> 1%',
    });
    expect(unique('device_id', { error: '>= 1' })).not.toHaveProperty('threshold');
    expect(inRange('temp_c', -50, 60, { warn: '> 0' })).not.toHaveProperty('severity');
    expect(compare('Cold', 'temp_c', '<', 40, { warn: '> 5%', type: 'consistency' })).toMatchObject({
      type: 'consistency',
      warn: '> 5%',
    });
    expect(acceptedValues('Sites', 'site', ['a'], { error: '> 0', samples: 3 })).toMatchObject({
      error: '> 0',
      samples: 3,
    });
  });

  it("keep the notebook's form and defaults as they were", () => {
    expect(complete('site')).toEqual({
      name: 'Completeness: site',
      type: 'completeness',
      kind: 'completeness',
      column: 'site',
      threshold: 0.95,
      severity: 'error',
    });
    expect(inRange('temp_c', 0, 1, { severity: 'warn' })).toMatchObject({
      threshold: 0.99,
      severity: 'warn',
    });
  });

  it('refuse both forms in one check, as a type error', () => {
    // @ts-expect-error: threshold/severity and warn/error are two forms; a check declares one.
    const mixed = complete('site', { threshold: 0.9, warn: '> 0' });
    expect(mixed).toMatchObject({ threshold: 0.9, warn: '> 0' }); // kept, so the load refuses it (below)
  });
});

describe('definePipeline: warn/error thresholds', () => {
  it('loads a suite of the levels form, and one mixing forms across checks', () => {
    const definition = definePipeline(
      spec(({ suite }: Untyped) => ({
        readings: suite('readings_out', [
          complete('site', { warn: '> 0', error: '> 1%' }),
          unique('device_id', { error: '>= 1' }),
          inRange('temp_c', -50, 60, { threshold: 0.99 }),
        ]),
      })),
    );
    expect(
      ((definition.suites.readings?.checks ?? []) as RowCheck[]).map((c) => [c.warn, c.error, c.threshold]),
    ).toEqual([
      ['> 0', '> 1%', undefined],
      [undefined, '>= 1', undefined],
      [undefined, undefined, 0.99],
    ]);
  });

  it('refuses a check declaring both forms, naming the suite and the check', () => {
    const lines = problems(
      spec(({ suite }: Untyped) => ({
        readings: suite('readings_out', [
          complete('site', { threshold: 0.9, warn: '> 0' } as never),
          complete('ts', { severity: 'warn', error: '> 1%' } as never),
        ]),
      })),
    );
    expect(lines).toEqual([
      'quality suite readings: check "Completeness: site": declare either threshold/severity (a minimum score) or warn/error (thresholds on failing rows), not both',
      'quality suite readings: check "Completeness: ts": declare either threshold/severity (a minimum score) or warn/error (thresholds on failing rows), not both',
    ]);
  });

  it('refuses a bad threshold, naming the suite, the check, the level and the text', () => {
    const lines = problems(
      spec(({ suite }: Untyped) => ({
        hourly: suite('readings_out', [
          complete('site', { warn: '> 0', error: '1%' }),
          unique('device_id', { warn: '< 5' }),
          inRange('temp_c', 0, 1, { error: '>= 120%' }),
          compare('Cold', 'temp_c', '<', 40, { warn: 5 as never }),
        ]),
      })),
    );
    expect(lines).toEqual([
      'quality suite hourly: check "Completeness: site": error: threshold "1%": expected "> N", ">= N", "> N%" or ">= N%" (N a number)',
      'quality suite hourly: check "Uniqueness: device_id": warn: threshold "< 5": expected "> N", ">= N", "> N%" or ">= N%" (N a number)',
      'quality suite hourly: check "Range: temp_c [0, 1]": error: threshold ">= 120%": a share is at most 100%',
      expect.stringMatching(/^quality suite hourly: check "Cold": warn: .*string/),
    ]);
  });

  it('refuses a check of neither form (a check written as data)', () => {
    const bare = { name: 'Bare', type: 'validity', kind: 'completeness', column: 'site' };
    const lines = problems(spec(({ suite }: Untyped) => ({ readings: suite('readings_out', [bare]) })));
    expect(lines).toEqual([
      'quality suite readings: check "Bare": threshold: a check needs threshold, or warn/error',
      'quality suite readings: check "Bare": severity: a check with a threshold needs a severity',
    ]);
  });
});

describe('definePipeline: samples', () => {
  it("suite(…, { samples }) sets each check's number of samples; a check's own wins", () => {
    const definition = definePipeline(
      spec(({ suite }: Untyped) => ({
        enriched: suite('readings_out', [complete('site'), complete('ts', { warn: '> 0', samples: 2 })], {
          samples: 10,
          description: 'with samples',
        }),
        plain: suite('readings_out', [complete('site')]),
      })),
    );
    expect(((definition.suites.enriched?.checks ?? []) as RowCheck[]).map((c) => c.samples)).toEqual([10, 2]);
    expect(definition.suites.enriched?.description).toBe('with samples');
    // Without a number the check is as it was (the report keeps 5).
    expect(definition.suites.plain?.checks[0]).not.toHaveProperty('samples');
  });

  it('refuses a number of samples that is not a whole number from 0 to 1000', () => {
    const lines = problems(
      spec(({ suite }: Untyped) => ({
        readings: suite(
          'readings_out',
          [complete('site', { samples: -1 }), complete('ts', { samples: 2.5 })],
          {},
        ),
        many: suite('readings_out', [complete('site')], { samples: 1001 }),
      })),
    );
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^quality suite readings: check "Completeness: site": samples: /);
    expect(lines[1]).toMatch(/^quality suite readings: check "Completeness: ts": samples: /);
    expect(lines[2]).toMatch(/^quality suite many: check "Completeness: site": samples: .*1000/);
  });
});
