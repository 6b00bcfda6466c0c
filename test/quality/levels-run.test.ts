import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLake } from '../../src/lib/lake/data-lake.ts';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';
import type { QualityReport } from '../../src/lib/quality/report.ts';
import type { RunOutcome } from '../../src/producers/follow-runs.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type PipelinesDir, writePipelinesDir } from '../helpers/test-pipelines.ts';

/**
 * Warn and error thresholds through real workers: warnings keep a run `success` and show in its run
 * record's quality section; an error makes it `partial`; the report has the failing-row samples.
 */

const API = pathToFileURL(path.resolve(import.meta.dirname, '../../src/api.ts')).href;
const PIPELINE = 'levels_run';

// 10 readings a date; site is empty in readings 3 and 7 (20 %).
const DEFINITION = `import { complete, definePipeline, fact, unique } from '${API}';

export default definePipeline({
  name: '${PIPELINE}',
  sources: {
    readings: fact({
      eventTime: 'ts',
      schema: { reading_id: 'string', ts: 'datetime', site: 'string' },
      required: ['reading_id', 'ts'],
      generate: {
        defaultRecords: 10,
        *rows({ date, records }) {
          for (let n = 1; n <= records; n++)
            yield { reading_id: \`R\${n}\`, ts: \`\${date} 10:00:00\`, site: n === 3 || n === 7 ? null : 'north' };
        },
      },
    }),
  },
  transform: ({ from }) => from('readings').write('readings_out'),
  quality: ({ suite }) => ({
    warned: suite('readings_out', [complete('site', { warn: '> 0', error: '> 20%' }), unique('reading_id', { error: '> 0' })], { samples: 1 }),
    failing: suite('readings_out', [complete('site', { warn: '> 0', error: '>= 20%' })]),
  }),
});
`;

describe('warn and error levels through workers', () => {
  let pipelines: PipelinesDir;
  let env: PipelineEnv;
  let lake: DataLake;
  const run = async (date: string, suite: string) => {
    const [outcome] = (await env.run([
      { pipeline: PIPELINE, date, suite, sources: { readings: { kind: 'generate', seed: 1, options: {} } } },
    ])) as [RunOutcome];
    return outcome;
  };

  beforeAll(async () => {
    pipelines = await writePipelinesDir({ [PIPELINE]: DEFINITION });
    env = await createPipelineEnv({ env: { PIPELINES_DIR: pipelines.dir } });
    lake = new DataLake(new LocalStorage(env.lakeDir));
  });
  afterAll(async () => {
    await env?.close();
    await pipelines?.cleanup();
  });

  it('a run whose checks only warn ends success, its warnings in the record and the report', async () => {
    const outcome = await run('2024-03-01', 'warned');
    expect(outcome.status, outcome.error).toBe('success');
    const quality = outcome.record?.quality;
    expect(quality).toMatchObject({ passed: true, failedChecks: [], warnings: ['Completeness: site'] });
    expect(outcome.record?.errors).toEqual([]);
    const report = await lake.readJson<QualityReport>(quality?.reportKey as string);
    expect(report.warnings).toEqual(['Completeness: site']);
    expect(report.check_results[0]).toMatchObject({
      outcome: 'warn',
      status: 'WARN',
      warn: '> 0',
      error: '> 20%',
      observed: { failing_rows: 2, fraction: 0.2 },
      // suite(…, { samples: 1 }): the first failing row only, reading 3.
      samples: [{ row: 3, values: { site: '' } }],
    });
    expect(report.check_results[1]).toMatchObject({ outcome: 'pass', samples: [] });
  });

  it('a run with a check at its error threshold ends partial, naming the check', async () => {
    const outcome = await run('2024-03-02', 'failing');
    expect(outcome.status).toBe('partial');
    expect(outcome.record?.quality).toMatchObject({
      passed: false,
      failedChecks: ['Completeness: site'],
      warnings: [],
    });
    expect(outcome.record?.errors).toEqual(['quality_checks: failed checks: Completeness: site']);
    const report = await lake.readJson<QualityReport>(outcome.record?.quality?.reportKey as string);
    expect(report.check_results[0]?.samples.map((s) => s.row)).toEqual([3, 7]);
  });
});
