import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { type RunRecord, readRunRecord } from '../../src/lib/pipeline/run-record.ts';
import type { QualityReport } from '../../src/lib/quality/report.ts';
import { runCli } from '../helpers/cli.ts';
import type { PipelineEnv } from '../helpers/pipeline-env.ts';
import { startUserPipelines, type UserPipelineEnv } from '../helpers/user-pipeline-env.ts';
import { runEnqueueCli } from '../reliability/support/harness.ts';

/**
 * The quality gate through real workers and `npm run enqueue`: three days of 20 readings, then a day
 * whose bad rows go to quarantine and whose nulls warn (the run stays `success`), then a day with half
 * the rows of the three before, which the blocking row-count change check fails. The history the
 * runs appended is what `npm run quality -- history` prints, and each run has its HTML report.
 */

const P = 'gated';
const DATES = ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05'];
const API = pathToFileURL(path.resolve(import.meta.dirname, '../../src/api.ts')).href;
const PIPELINE = `import { complete, definePipeline, fact, rowCountChange, unique } from '${API}';

export default definePipeline({
  name: '${P}',
  sources: {
    readings: fact({
      eventTime: 'ts',
      schema: { reading_id: 'string', ts: 'datetime', value: 'float' },
      required: ['reading_id', 'ts'],
      quarantine: { limit: '> 10%' },
    }),
  },
  transform: ({ from }) => from('readings').write('clean'),
  quality: ({ suite }) => ({
    daily: suite('clean', [
      unique('reading_id', { error: '> 0' }),
      complete('value', { warn: '> 0', error: '> 20%' }),
      rowCountChange({ runs: 3, warn: '> 20%', error: '> 40%', blocking: true }),
    ]),
  }),
});
`;

/** `rows` readings of `date`; `bad` rows (1-based) hold a value that is no number, `empty` none. */
function readings(date: string, rows: number, bad: number[] = [], empty: number[] = []): string {
  const lines = ['reading_id,ts,value'];
  for (let n = 1; n <= rows; n++) {
    const value = bad.includes(n) ? 'high' : empty.includes(n) ? '' : String(n);
    lines.push(`R${n},${date} 10:00:00,${value}`);
  }
  return `${lines.join('\n')}\n`;
}

let user: UserPipelineEnv;
let env: PipelineEnv;
let inputs: string;
beforeAll(async () => {
  user = await startUserPipelines({ [P]: PIPELINE });
  ({ env, inputs } = user);
  await Promise.all(
    DATES.slice(0, 3).map((date) => writeFile(path.join(inputs, `readings-${date}.csv`), readings(date, 20))),
  );
  await writeFile(path.join(inputs, `readings-${DATES[3]}.csv`), readings(DATES[3] as string, 20, [7], [12]));
  await writeFile(path.join(inputs, `readings-${DATES[4]}.csv`), readings(DATES[4] as string, 10));
});
afterAll(() => user?.close());

/** Enqueues dates `from`..`to` from the dated files, waits, and returns the records in date order. */
async function run(from: string, to: string): Promise<{ code: number | string; records: RunRecord[] }> {
  const file = path.join(inputs, 'readings-{date}.csv');
  const args = ['--pipeline', P, '--date', from, '--to', to, '--source', `readings=${file}`, '--wait'];
  const result = await runEnqueueCli(env.env, [...args, '--timeout', '90'], 120_000);
  const runIds = [...result.stdout.matchAll(/enqueued: (\S+)/g)].map((match) => match[1] as string);
  expect(runIds.length, result.stdout + result.stderr).toBeGreaterThan(0);
  const records = await Promise.all(runIds.map((runId) => readRunRecord(env.producer.lake, runId)));
  return { code: result.code, records: records.sort((a, b) => a.date.localeCompare(b.date)) };
}

describe('the quality gate through the workers', () => {
  it('quarantines and warns without failing, then fails a day with half the rows', {
    timeout: 240_000,
  }, async () => {
    const first = await run(DATES[0] as string, DATES[3] as string);
    expect(first.code).toBe(0);
    expect(first.records.map((record) => record.status)).toEqual([
      'success',
      'success',
      'success',
      'success',
    ]);
    const day4 = first.records[3] as RunRecord;
    expect(day4).toMatchObject({ quarantined: { readings: 1 }, errors: [] });
    expect(day4.quality).toMatchObject({ passed: true, failedChecks: [], warnings: ['Completeness: value'] });
    const report = await env.producer.lake.readJson<QualityReport>(day4.quality?.reportKey as string);
    // 20 rows, one quarantined: 19 landed, one of them with no value.
    expect(report.row_count).toBe(19);
    expect(report.check_results[1]).toMatchObject({
      outcome: 'warn',
      failing_rows: 1,
      samples: [{ row: 11 }],
    });
    // Three earlier runs of 20 rows: 19 is -5%.
    expect(report.check_results[2]).toMatchObject({ outcome: 'pass', observed: { value: -5 } });

    const last = await run(DATES[4] as string, DATES[4] as string);
    expect(last.code).not.toBe(0);
    const day5 = last.records[0] as RunRecord;
    expect(day5.status).toBe('failed');
    expect(day5.quality).toMatchObject({ passed: false, blocked: ['Row count change over 3 runs'] });
    expect(day5.errors.join('\n')).toContain('blocking checks failed: Row count change over 3 runs');
    const failed = await env.producer.lake.readJson<QualityReport>(day5.quality?.reportKey as string);
    // 10 rows against the mean of 20, 20 and 19 (the runs of the three dates before).
    expect(failed.check_results[2]).toMatchObject({ outcome: 'error', observed: { value: -49.15 } });
    expect(failed.check_results[2]?.observed.detail).toContain('2024-05-02, 2024-05-03, 2024-05-04');

    const html = (
      await env.producer.lake.storage.get(
        lakeKeys.qualityReportHtml(P, 'clean', DATES[4] as string, day5.runId),
      )
    ).toString();
    expect(html).toContain('Row count change over 3 runs');

    const history = await runCli('src/producers/quality.ts', ['history', '--pipeline', P], env.env);
    expect(history.code, history.stderr).toBe(0);
    const lines = history.stdout.trim().split('\n').slice(3);
    expect(lines.map((line) => line.split(/\s+/).slice(0, 4))).toEqual(
      DATES.map((date, i) => [date, `${P}-${date}`, 'daily', ['20', '20', '20', '19', '10'][i]]),
    );
    expect(lines[3]).toMatch(/warn\s+Completeness: value$/);
    expect(lines[4]).toMatch(/fail\s+Row count change over 3 runs$/);
  });
});
