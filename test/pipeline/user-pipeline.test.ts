import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerProcess } from '../../src/dev/worker-process.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { readRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { createPipelineEnv, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type PipelinesDir, smallPipeline, writePipelinesDir } from '../helpers/test-pipelines.ts';
import { Processes, runEnqueueCli } from '../reliability/support/harness.ts';

/**
 * A pipeline of a user's own, outside the repository: written to a temporary PIPELINES_DIR, served by
 * a real worker process, enqueued with `npm run enqueue`, and checked in the lake.
 */

const DATE = '2024-03-01';
const P = 'tiny';

let dir: PipelinesDir;
let env: PipelineEnv;
const processes = new Processes();
let worker: WorkerProcess;
beforeAll(async () => {
  dir = await writePipelinesDir({ [P]: smallPipeline(P, 2) });
  env = await createPipelineEnv({ workers: false, env: { PIPELINES_DIR: dir.dir } });
  worker = await processes.worker(env.env);
});
afterAll(async () => {
  await processes.killAll();
  await env?.close();
  await dir?.cleanup();
});

/** A CSV object's rows as records of text (the small pipeline writes no quoted fields). */
async function csvRows(key: string): Promise<Record<string, string>[]> {
  const [header = '', ...lines] = (await env.producer.lake.storage.get(key))
    .toString('utf8')
    .trim()
    .split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i], value])));
}

describe("a user's own pipeline", () => {
  it('runs end to end from its generators: datasets, quality report and run record', async () => {
    expect(worker.logs.find((entry) => entry.msg === 'workers ready')?.pipelines).toEqual([P]);
    const result = await runEnqueueCli(env.env, ['--date', DATE, '--wait', '--timeout', '60']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`enqueued: ${P}-${DATE}`);
    expect(result.stdout).toMatch(new RegExp(`${P}-${DATE}\\s+SUCCESS\\s+wide 10, by_device 3`));

    const record = await readRunRecord(env.producer.lake, `${P}-${DATE}`);
    expect(record.steps.map((step) => [step.name, step.status])).toEqual([
      ['ingest_readings', 'success'],
      ['ingest_dim_1', 'success'],
      ['ingest_dim_2', 'success'],
      ['transform', 'success'],
      ['quality_checks', 'success'],
    ]);
    expect(record).toMatchObject({ pipeline: P, suite: 'basic', status: 'success', errors: [] });
    expect(record.lineage.outputs.map((ref) => ref.key)).toEqual([
      lakeKeys.landing(P, 'readings', DATE),
      lakeKeys.landing(P, 'dim_1', DATE),
      lakeKeys.landing(P, 'dim_2', DATE),
      lakeKeys.dataset(P, 'wide', DATE),
      lakeKeys.dataset(P, 'by_device', DATE),
    ]);

    // Ten readings R0…R9 of devices D(n % 3), value n, keys K(n % 2): hand-computed.
    const wide = await csvRows(lakeKeys.dataset(P, 'wide', DATE));
    expect(wide.map((row) => [row.reading_id, row.label_1, row.label_2])).toEqual(
      Array.from({ length: 10 }, (_, n) => [`R${n}`, n % 2 ? 'one' : 'zero', n % 2 ? 'one' : 'zero']),
    );
    const byDevice = await csvRows(lakeKeys.dataset(P, 'by_device', DATE));
    expect(byDevice.map((row) => [row.device, Number(row.readings), Number(row.total)])).toEqual([
      ['D0', 4, 0 + 3 + 6 + 9],
      ['D1', 3, 1 + 4 + 7],
      ['D2', 3, 2 + 5 + 8],
    ]);

    const report = await env.producer.lake.readJson<{ dataset: string; passed: boolean; row_count: number }>(
      lakeKeys.qualityReport(P, 'by_device', DATE, record.runId),
    );
    expect(report).toMatchObject({ dataset: 'by_device', passed: true, row_count: 3 });
    expect(record.quality?.reportKey).toBe(lakeKeys.qualityReport(P, 'by_device', DATE, record.runId));
  });

  it('is the only pipeline loaded, so --pipeline may be left out; its other suite fails the gate', async () => {
    const result = await runEnqueueCli(env.env, ['--date', DATE, '--suite', 'strict', '--rerun', '--wait']);
    expect(result.code).toBe(1); // partial: total within [0, 1] fails
    expect(result.stdout).toMatch(/PARTIAL .*failed checks: Range: total \[0, 1\]/);
  });
});
