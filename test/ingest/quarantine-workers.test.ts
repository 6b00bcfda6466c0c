import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { readRunRecord } from '../../src/lib/pipeline/run-record.ts';
import type { PipelineEnv } from '../helpers/pipeline-env.ts';
import { startUserPipelines, type UserPipelineEnv } from '../helpers/user-pipeline-env.ts';
import { runEnqueueCli } from '../reliability/support/harness.ts';

/**
 * A quarantine through the whole flow: a user's pipeline in a temporary PIPELINES_DIR, a real worker
 * process, `npm run enqueue --wait`. Bad rows (a value of the wrong type, a value failing the
 * declared check) within the limit leave the run `success` with its quarantine in the record; past
 * the limit the run fails with QUARANTINE_LIMIT and the date's objects stay those of the run before.
 */

const DATE = '2024-04-09';
const P = 'quarantined';
const API = pathToFileURL(path.resolve(import.meta.dirname, '../../src/api.ts')).href;
const PIPELINE = `import { compare, complete, definePipeline, fact } from '${API}';

export default definePipeline({
  name: '${P}',
  sources: {
    readings: fact({
      eventTime: 'ts',
      schema: { reading_id: 'string', ts: 'datetime', value: 'float' },
      quarantine: { limit: '> 2', checks: [compare('Non-negative value', 'value', '>=', 0)] },
    }),
  },
  transform: ({ from }) => from('readings').write('clean'),
  quality: ({ suite }) => ({ basic: suite('clean', [complete('reading_id')]) }),
});
`;

/**
 * Ten readings of the date, with the 1-based rows of `bad` holding the value "high", not a number,
 * and those of `negative` a value below 0, which the declared check quarantines.
 */
function readingsCsv(bad: number[], negative: number[] = []): string {
  const lines = ['reading_id,ts,value'];
  for (let n = 1; n <= 10; n++) {
    const value = bad.includes(n) ? 'high' : negative.includes(n) ? -n : n;
    lines.push(`R${n},${DATE} 10:00:00,${value}`);
  }
  return `${lines.join('\n')}\n`;
}

let user: UserPipelineEnv;
let env: PipelineEnv;
let inputs: string;
beforeAll(async () => {
  user = await startUserPipelines({ [P]: PIPELINE });
  ({ env, inputs } = user);
});
afterAll(() => user?.close());

/** Runs the date on `csv` (a re-run after the first) and returns the CLI's outcome and the record. */
async function runWith(csv: string, name: string, rerun: boolean) {
  const file = path.join(inputs, `${name}.csv`);
  await writeFile(file, csv);
  const args = ['--date', DATE, '--source', `readings=${file}`, '--wait', '--timeout', '60'];
  const result = await runEnqueueCli(env.env, rerun ? [...args, '--rerun'] : args);
  const runId = /enqueued: (\S+)/.exec(result.stdout)?.[1];
  expect(runId, result.stdout + result.stderr).toBeDefined();
  return { result, record: await readRunRecord(env.producer.lake, runId as string) };
}

describe('a quarantine through the workers', () => {
  it('ends success with the bad rows set aside, and fails past the limit leaving the date as it was', async () => {
    const first = await runWith(readingsCsv([4], [9]), 'two-bad', false);
    expect(first.result.code, first.result.stdout + first.result.stderr).toBe(0);
    expect(first.record).toMatchObject({ status: 'success', errors: [], quarantined: { readings: 2 } });
    const quarantineKey = lakeKeys.quarantine(P, 'readings', DATE);
    expect(first.record.lineage.outputs.map((ref) => ref.key)).toEqual([
      lakeKeys.landing(P, 'readings', DATE),
      quarantineKey,
      lakeKeys.dataset(P, 'clean', DATE),
    ]);
    const clean = await env.producer.lake.readCsvRows(lakeKeys.dataset(P, 'clean', DATE));
    expect(clean.rows.map((row) => row[0])).toEqual(['R1', 'R2', 'R3', 'R5', 'R6', 'R7', 'R8', 'R10']);
    const quarantined = await env.producer.lake.readCsvRows(quarantineKey);
    expect(quarantined.rows.map((row) => [row[0], row[1], row[3]])).toEqual([
      ['type:value:float', '4', 'R4'],
      ['check:Non-negative value', '9', 'R9'],
    ]);
    const before = await env.producer.lake.storage.get(quarantineKey);

    const second = await runWith(readingsCsv([1, 4], [9]), 'three-bad', true);
    expect(second.result.code).not.toBe(0);
    expect(second.record.status).toBe('failed');
    expect(second.record.errors.join('\n')).toContain('QUARANTINE_LIMIT');
    expect(second.record.errors.join('\n')).toContain('quarantine limit "> 2" reached: 3 of 9 rows so far');
    expect(second.record.quarantined ?? {}).toEqual({});
    expect(await env.producer.lake.storage.get(quarantineKey)).toEqual(before);
    expect((await env.producer.lake.readCsvRows(lakeKeys.landing(P, 'readings', DATE))).rows).toHaveLength(8);
  });
});
