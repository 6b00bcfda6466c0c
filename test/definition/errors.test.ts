import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  complete,
  count,
  definePipeline,
  dimension,
  fact,
  inRange,
  mean,
  type PipelineDefinition,
  sum,
} from '../../src/api.ts';
import { loadPipelines, PipelineRegistry } from '../../src/lib/definition/registry.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { refusal } from '../helpers/definition-errors.ts';

/**
 * Definition errors: what `tsc` cannot see (a cast, a definition in JavaScript) is refused when the
 * definition loads, with a message naming the pipeline, the step or suite, and the column.
 */

const SOURCES = {
  readings: fact({
    eventTime: 'ts',
    schema: { device_id: 'string', ts: 'datetime', temp_c: 'float', site_code: 'string' },
  }),
  devices: dimension({ key: 'device_id', schema: { device_id: 'string', site: 'string' } }),
};

// Untyped views of the contexts, as a JavaScript definition would use them.
// biome-ignore lint/suspicious/noExplicitAny: a definition tsc cannot check is the point
type Untyped = any;

/** A sound definition, with `overrides` spread over it. */
function spec(overrides: Record<string, unknown> = {}): never {
  return {
    name: 'sensor_check',
    sources: SOURCES,
    transform: ({ from }: Untyped) => from('readings').write('readings_out'),
    ...overrides,
  } as never;
}

/** The error definePipeline throws for `definition`: a ConfigError `DEFINITION_INVALID`. */
function definitionError(definition: never): ConfigError {
  return refusal(() => definePipeline(definition));
}

/** Asserts the definition is refused, naming the pipeline, and returns its problem lines. */
function problems(definition: never, pipeline = 'sensor_check'): string[] {
  const { message } = definitionError(definition);
  const [first, ...lines] = message.split('\n');
  expect(first).toBe(`pipeline ${pipeline} is not valid:`);
  return lines.map((line) => line.replace(/^ {2}- /, ''));
}

describe('definePipeline: errors name the pipeline, the step and the column', () => {
  it('the sound base definition loads', () => {
    expect(definePipeline(spec()).name).toBe('sensor_check');
  });

  it('an unknown column in a step', () => {
    const transform = ({ from }: Untyped) => from('readings').dedupe('nope').write('readings_out');
    expect(problems(spec({ transform }))).toEqual([
      'transform step 1 (dedupe): key column nope does not exist (columns: device_id, ts, temp_c, site_code)',
    ]);
  });

  it('an unknown column in a composite key, a later step and a lookup, all reported at once', () => {
    const transform = ({ from }: Untyped) =>
      from('readings')
        .dedupe(['device_id', 'timestamp'])
        .fillNull({ humidity: 0 })
        .lookup('devices', { on: 'device', take: ['site', 'floor'] })
        .write('readings_out');
    expect(problems(spec({ transform }))).toEqual([
      'transform step 1 (dedupe): key column timestamp does not exist (columns: device_id, ts, temp_c, site_code)',
      'transform step 2 (fillNull): column humidity does not exist (columns: device_id, ts, temp_c, site_code)',
      'transform step 3 (lookup): on: column device does not exist (columns: device_id, ts, temp_c, site_code)',
      'transform step 3 (lookup): take: devices has no column floor',
    ]);
  });

  it('a column used after an aggregate that dropped it', () => {
    const transform = ({ from }: Untyped) =>
      from('readings')
        .aggregate({ by: ['device_id'], measures: { readings: count() } })
        .filter(() => true)
        .dedupe('temp_c')
        .write('readings_out');
    expect(problems(spec({ transform }))).toEqual([
      'transform step 3 (dedupe): key column temp_c does not exist (columns: device_id, readings)',
    ]);
  });

  it('a step on a column of the wrong type', () => {
    const transform = ({ from }: Untyped) =>
      from('readings')
        .text('temp_c', { strip: true })
        .derive({ hour_start: { kind: 'time', column: 'site_code', part: 'hourStart' } })
        .write('readings_out');
    expect(problems(spec({ transform }))).toEqual([
      'transform step 1 (text): column temp_c is float, not string',
      'transform step 2 (derive): column site_code is string, not datetime',
    ]);
  });

  it('an unknown column in a check', () => {
    const quality = ({ suite }: Untyped) => ({ basic: suite('readings_out', [complete('humidity')]) });
    expect(problems(spec({ quality }))).toEqual([
      'quality suite basic: check "Completeness: humidity": column humidity is not in dataset readings_out',
    ]);
  });

  it('a check that needs a numeric column, on a text column', () => {
    const quality = ({ suite }: Untyped) => ({ basic: suite('readings_out', [inRange('site_code', 0, 10)]) });
    expect(problems(spec({ quality }))).toEqual([
      'quality suite basic: check "Range: site_code [0, 10]": column site_code is string, not numeric',
    ]);
  });

  it('a suite over a dataset the pipeline does not write', () => {
    const quality = ({ suite }: Untyped) => ({ basic: suite('hourly', [complete('ts')]) });
    expect(problems(spec({ quality }))).toEqual([
      'quality suite basic: no output dataset "hourly" (datasets: readings_out)',
    ]);
  });

  it('a dimension without a key', () => {
    const sources = {
      ...SOURCES,
      devices: dimension({ key: [] as never, schema: { device_id: 'string', site: 'string' } }),
    };
    expect(problems(spec({ sources }))).toEqual(['source devices: a dimension needs a key']);
  });

  it('a dimension key column that is not in its schema', () => {
    const sources = {
      ...SOURCES,
      devices: dimension({
        key: ['device_id', 'rev'] as never,
        schema: { device_id: 'string', site: 'string' },
      }),
    };
    expect(problems(spec({ sources }))).toEqual(['source devices: key column rev is not in the schema']);
  });

  it('an aggregate over a non-numeric column', () => {
    const transform = ({ from }: Untyped) =>
      from('readings')
        .aggregate({ by: ['device_id'], measures: { total: sum('site_code'), avg_temp: mean('temp_c') } })
        .write('readings_out');
    expect(problems(spec({ transform }))).toEqual([
      'transform step 1 (aggregate): measure total: sum over column site_code, which is string, not numeric',
    ]);
  });

  it('a lookup of a source that is not a dimension', () => {
    const transform = ({ from }: Untyped) =>
      from('readings')
        .lookup('readings', { take: ['temp_c'] })
        .write('readings_out');
    expect(problems(spec({ transform }))).toEqual([
      'transform step 1 (lookup): "readings" is not a dimension source',
    ]);
  });

  it('a transform from a dimension', () => {
    const transform = ({ from }: Untyped) => from('devices').write('readings_out');
    expect(problems(spec({ transform }))).toEqual([
      'transform: from("devices"): a dimension cannot drive a transform',
      'sources: fact source readings is not read by the transform',
    ]);
  });

  it('a transform from a source that does not exist', () => {
    const transform = ({ from }: Untyped) => from('reading').write('readings_out');
    expect(problems(spec({ transform }))).toContain('transform: from("reading"): no such source');
  });

  it('a pipeline that writes no dataset', () => {
    const transform = ({ from }: Untyped) => from('readings').dedupe(['device_id', 'ts']);
    expect(problems(spec({ transform }))).toEqual(['transform: it writes no dataset (add .write(name))']);
  });

  it('a dataset written twice', () => {
    const transform = ({ from }: Untyped) =>
      from('readings').write('readings_out').dedupe('device_id').write('readings_out');
    expect(problems(spec({ transform }))).toEqual([
      'transform step 3 (write): dataset readings_out is written twice',
    ]);
  });

  it('a bad pipeline name', () => {
    expect(problems(spec({ name: 'Sensor-Readings' }), 'Sensor-Readings')).toEqual([
      'name "Sensor-Readings": lower-case letters, digits and _, starting with a letter',
    ]);
    expect(problems(spec({ name: undefined }), '(unnamed)')).toEqual([
      'name undefined: lower-case letters, digits and _, starting with a letter',
    ]);
  });

  it('a bad dataset, source or suite name', () => {
    const transform = ({ from }: Untyped) => from('readings').write('Readings Out');
    const sources = { ...SOURCES, 'Devices!': SOURCES.devices };
    const quality = ({ suite }: Untyped) => ({ 'Basic Suite': suite('Readings Out', [complete('ts')]) });
    expect(problems(spec({ transform, sources, quality }))).toEqual([
      'source Devices!: name: lower-case letters, digits and _',
      'transform step 1 (write): dataset name "Readings Out": lower-case letters, digits and _',
      'quality suite Basic Suite: name: lower-case letters, digits and _',
    ]);
  });
});

/**
 * Gaps found while writing the tests above: each of these definitions loads today, and each fails
 * later (or never, computing something else). They are refused here, at load, as the issue asks.
 */
describe('definePipeline: what types cannot see is refused at load too', () => {
  it('an unknown measure function', () => {
    const transform = ({ from }: Untyped) =>
      from('readings')
        .aggregate({
          by: ['device_id'],
          measures: { median_temp: { kind: 'measure', fn: 'median', column: 'temp_c' } },
        })
        .write('readings_out');
    expect(problems(spec({ transform })).join('\n')).toMatch(
      /step 1 \(aggregate\): measure median_temp: .*median/,
    );
  });

  it('an unknown time part', () => {
    const transform = ({ from }: Untyped) =>
      from('readings')
        .derive({ minute: { kind: 'time', column: 'ts', part: 'minute' } })
        .write('readings_out');
    expect(problems(spec({ transform })).join('\n')).toMatch(/step 1 \(derive\): .*minute/);
  });

  it('a check whose options are out of range, or that is no check at all', () => {
    const quality = ({ suite }: Untyped) => ({
      basic: suite('readings_out', [
        complete('ts', { threshold: 1.5 }),
        complete('device_id', { severity: 'fatal' as never }),
        { column: 'temp_c' },
      ]),
    });
    const lines = problems(spec({ quality })).join('\n');
    expect(lines).toMatch(/quality suite basic: .*Completeness: ts.*threshold/);
    expect(lines).toMatch(/quality suite basic: .*Completeness: device_id.*severity/);
    expect(lines).toMatch(/quality suite basic: .*temp_c/);
  });

  it('a partition grain other than date', () => {
    const transform = ({ from }: Untyped) => from('readings').write('readings_out', { partition: 'hour' });
    expect(problems(spec({ transform })).join('\n')).toMatch(/step 1 \(write\): .*partition.*hour/);
  });

  it('a fill value of the wrong type for its column', () => {
    const transform = ({ from }: Untyped) =>
      from('readings').fillNull({ temp_c: 'warm' }).write('readings_out');
    expect(problems(spec({ transform })).join('\n')).toMatch(/step 1 \(fillNull\): .*temp_c/);
  });

  it('column names made by apply and aggregate follow the same rule as derive', () => {
    const transform = ({ from }: Untyped) =>
      from('readings')
        .apply({ 'Site Code': 'string' }, () => ({ 'Site Code': 'x' }))
        .aggregate({ by: ['device_id'], measures: { 'Mean Temp': mean('temp_c') } })
        .write('readings_out');
    const lines = problems(spec({ transform })).join('\n');
    expect(lines).toMatch(/step 1 \(apply\): .*Site Code/);
    expect(lines).toMatch(/step 2 \(aggregate\): .*Mean Temp/);
  });

  it('an input format that does not exist', () => {
    const sources = {
      ...SOURCES,
      readings: fact({ ...SOURCES.readings, formats: ['xml'] as never }),
    };
    expect(problems(spec({ sources })).join('\n')).toMatch(/source readings: .*xml/);
  });

  it('a transform that throws, or returns no chain, is a definition error naming the pipeline', () => {
    expect(
      problems(
        spec({
          transform: () => {
            throw new Error('boom');
          },
        }),
      ).join('\n'),
    ).toMatch(/transform: .*boom/);
    expect(problems(spec({ transform: () => undefined })).join('\n')).toMatch(/transform: /);
  });

  it('a source that is not a fact() or dimension() object', () => {
    expect(problems(spec({ sources: { ...SOURCES, devices: null } })).join('\n')).toMatch(/source devices: /);
  });

  it('a dimension key given as text rather than a list is one problem, not one per letter', () => {
    const sources = {
      ...SOURCES,
      devices: { kind: 'dimension', key: 'device_id', schema: { device_id: 'string', site: 'string' } },
    };
    expect(problems(spec({ sources }))).toEqual([expect.stringMatching(/^source devices: .*key/)]);
  });
});

const API = pathToFileURL(path.resolve(import.meta.dirname, '../../src/api.ts')).href;

/** A definition module's text, as a user writes one. */
function moduleText(name: string, transform = "from('readings').write('readings_out')"): string {
  return `import { definePipeline, fact } from '${API}';

export default definePipeline({
  name: '${name}',
  sources: {
    readings: fact({ eventTime: 'ts', schema: { device_id: 'string', ts: 'datetime', temp_c: 'float' } }),
  },
  transform: ({ from }) => ${transform},
});
`;
}

describe('loadPipelines: a bad definition names its file', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Writes `<dir>/<directory>/pipeline.ts` for each entry into a fresh directory. */
  async function pipelinesDir(modules: Record<string, string>): Promise<string> {
    dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-definitions-'));
    for (const [directory, text] of Object.entries(modules)) {
      await mkdir(path.join(dir, directory));
      await writeFile(path.join(dir, directory, 'pipeline.ts'), text);
    }
    return dir;
  }

  /** The ConfigError loading `root` throws. */
  async function loadError(root: string): Promise<ConfigError> {
    const error = await loadPipelines(root).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }

  /** The file as messages show it. */
  const shown = (root: string, directory: string) =>
    path.relative(process.cwd(), path.join(root, directory, 'pipeline.ts'));

  it('good definitions load, by name; directories starting with . or _ and ones without a module are skipped', async () => {
    const root = await pipelinesDir({
      alpha: moduleText('alpha'),
      beta: moduleText('beta'),
      _draft: moduleText('nope', "from('readings').dedupe('nope').write('x')"),
      '.hidden': 'this is not TypeScript',
    });
    await mkdir(path.join(root, 'empty'));
    const registry = await loadPipelines(root);
    expect(registry.names).toEqual(['alpha', 'beta']);
    expect(registry.get('beta').plan.datasets.map((d) => d.name)).toEqual(['readings_out']);
  });

  it('an invalid definition: the file, the pipeline, the step and the column', async () => {
    const root = await pipelinesDir({
      alpha: moduleText('alpha'),
      broken: moduleText('broken', "from('readings').dedupe(['device_id', 'nope']).write('readings_out')"),
    });
    const error = await loadError(root);
    expect(error.code).toBe('DEFINITION_INVALID');
    expect(error.message).toBe(
      `${shown(root, 'broken')}: pipeline broken is not valid:\n` +
        '  - transform step 1 (dedupe): key column nope does not exist (columns: device_id, ts, temp_c)',
    );
  });

  it('a pipeline whose name differs from its directory', async () => {
    const root = await pipelinesDir({ sensors_v2: moduleText('sensors') });
    const error = await loadError(root);
    expect(error.code).toBe('DEFINITION_INVALID');
    expect(error.message).toBe(
      `${shown(root, 'sensors_v2')}: the pipeline is named sensors, its directory sensors_v2; give them one name`,
    );
  });

  it('two directories defining one pipeline name: the second is refused, naming its file', async () => {
    // A name must match its directory, so the second definition of a name always has the wrong one.
    const root = await pipelinesDir({ sensors: moduleText('sensors'), sensors_copy: moduleText('sensors') });
    const error = await loadError(root);
    expect(error.code).toBe('DEFINITION_INVALID');
    expect(error.message).toContain(`${shown(root, 'sensors_copy')}: the pipeline is named sensors`);
  });

  it('two definitions of one name given to a registry', () => {
    const one = definePipeline(spec({ name: 'twin' })) as PipelineDefinition;
    const two = definePipeline(spec({ name: 'twin' })) as PipelineDefinition;
    expect(() => new PipelineRegistry([one, two], 'pipelines/')).toThrow(
      expect.objectContaining({
        code: 'DEFINITION_INVALID',
        message: 'two pipelines are named twin in pipelines/',
      }),
    );
  });

  it('a module whose default export is not a definition, or that has none', async () => {
    const exportsObject = await pipelinesDir({
      plain: `export default { name: 'plain', sources: {}, transform: () => undefined };\n`,
    });
    const error = await loadError(exportsObject);
    expect(error.code).toBe('DEFINITION_INVALID');
    expect(error.message).toBe(
      `${shown(exportsObject, 'plain')}: the default export is not a definePipeline(…)`,
    );
    await rm(exportsObject, { recursive: true, force: true });

    const named = await pipelinesDir({
      named: moduleText('named').replace(
        'export default definePipeline',
        'export const pipeline = definePipeline',
      ),
    });
    expect((await loadError(named)).message).toBe(
      `${shown(named, 'named')}: the default export is not a definePipeline(…)`,
    );
  });

  it('a module that fails to import names its file and the cause', async () => {
    const root = await pipelinesDir({
      crashing: `throw new Error('no config for the devices API');\nexport default 1;\n`,
    });
    const error = await loadError(root);
    expect(error.code).toBe('DEFINITION_INVALID');
    expect(error.message).toBe(`${shown(root, 'crashing')}: no config for the devices API`);
  });

  it('a missing pipelines directory', async () => {
    const missing = path.join(tmpdir(), 'lakeflow-no-such-pipelines-dir');
    const error = await loadError(missing);
    expect(error.code).toBe('PIPELINES_DIR_MISSING');
    expect(error.message).toContain(missing);
  });
});
