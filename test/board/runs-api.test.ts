import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, RunListBody } from '../../src/board/runs-api.ts';
import { loadPipelines, PipelineRegistry } from '../../src/lib/definition/registry.ts';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import type { RunStatus } from '../../src/lib/pipeline/jobs.ts';
import { type RunRecord, writeRunRecord } from '../../src/lib/pipeline/run-record.ts';
import {
  type PipelinesDir,
  REPO_PIPELINES,
  smallPipeline,
  writePipelinesDir,
} from '../helpers/test-pipelines.ts';
import { type BoardEnv, startBoard } from './board-env.ts';

/** A run record as workers write it, with just enough steps to look real. */
function record(
  runId: string,
  fields: { pipeline: string; date: string; status: RunStatus; endedAt: string; report?: boolean },
): RunRecord {
  const reportKey = lakeKeys.qualityReport(fields.pipeline, 'enriched', fields.date);
  return {
    runId,
    pipeline: fields.pipeline,
    date: fields.date,
    suite: 'pipeline',
    status: fields.status,
    enqueuedAt: '2024-02-01T00:00:00.000Z',
    endedAt: fields.endedAt,
    durationMs: 1234,
    steps: [
      {
        name: 'transform',
        queue: 'transform',
        jobId: `${runId}-transform`,
        required: true,
        status: fields.status === 'failed' ? 'failed' : 'success',
        attempts: 1,
        startedAt: null,
        endedAt: null,
        durationMs: 500,
      },
    ],
    errors: fields.status === 'failed' ? ['transform: boom'] : [],
    quality:
      fields.status === 'failed'
        ? null
        : { passed: fields.status === 'success', overallScore: 97.5, failedChecks: [], reportKey },
    datasets: {},
    lineage: { inputs: [], outputs: [] },
  };
}

const RUNS: RunRecord[] = [
  record('sales_etl-2024-01-20', {
    pipeline: 'sales_etl',
    date: '2024-01-20',
    status: 'success',
    endedAt: '2024-02-01T10:00:00.000Z',
  }),
  record('sales_etl-2024-01-21', {
    pipeline: 'sales_etl',
    date: '2024-01-21',
    status: 'partial',
    endedAt: '2024-02-01T12:00:00.000Z',
  }),
  record('sales_etl-2024-01-22', {
    pipeline: 'sales_etl',
    date: '2024-01-22',
    status: 'failed',
    endedAt: '2024-02-01T11:00:00.000Z',
  }),
  record('sales_etl-2024-01-20-rabc123', {
    pipeline: 'sales_etl',
    date: '2024-01-20',
    status: 'success',
    endedAt: '2024-02-01T13:00:00.000Z',
  }),
  record('returns-2024-01-20', {
    pipeline: 'returns',
    date: '2024-01-20',
    status: 'success',
    endedAt: '2024-02-01T09:00:00.000Z',
  }),
];
/** A run of a pipeline that is no longer loaded: not listed, still readable by its id. */
const RETIRED = record('retired-2024-01-20', {
  pipeline: 'retired',
  date: '2024-01-20',
  status: 'success',
  endedAt: '2024-02-01T14:00:00.000Z',
});
const REPORT = { dataset: 'transactions', date: '2024-01-20', overall_score: 97.5, checks: [] };

describe('run API', () => {
  let env: BoardEnv;
  let returns: PipelinesDir;
  const ids = (body: RunListBody) => body.runs.map((run) => run.runId);

  beforeAll(async () => {
    // Two pipelines loaded: the repository's sales_etl and a small `returns`.
    returns = await writePipelinesDir({ returns: smallPipeline('returns', 1) });
    const loaded = [
      ...(await loadPipelines(REPO_PIPELINES)).list(),
      ...(await loadPipelines(returns.dir)).list(),
    ];
    const registry = new PipelineRegistry(
      loaded.filter((p) => p.name === 'sales_etl' || p.name === 'returns'),
    );
    env = await startBoard({ deps: { registry } });
    for (const run of [...RUNS, RETIRED]) await writeRunRecord(env.lake, run);
    await env.lake.writeJson(lakeKeys.qualityReport('sales_etl', 'enriched', '2024-01-20'), REPORT);
    // Neither of these is a run record; the listing must step over them.
    await env.lake.storage.put('sales_etl/runs/garbage.json', '{ not json');
    await env.lake.storage.put('sales_etl/runs/nested/sales_etl-2024-01-23.json', '{}');
  });
  afterAll(async () => {
    await env?.close();
    await returns?.cleanup();
  });

  it("lists every loaded pipeline's runs, newest first by endedAt, as summaries", async () => {
    const { status, body } = await env.json<RunListBody>('/api/runs');
    expect(status).toBe(200);
    expect(ids(body)).toEqual([
      'sales_etl-2024-01-20-rabc123',
      'sales_etl-2024-01-21',
      'sales_etl-2024-01-22',
      'sales_etl-2024-01-20',
      'returns-2024-01-20',
    ]);
    expect(body.total).toBe(5);
    expect(body.limit).toBe(50);
    expect(body.runs[1]).toEqual({
      runId: 'sales_etl-2024-01-21',
      pipeline: 'sales_etl',
      date: '2024-01-21',
      suite: 'pipeline',
      status: 'partial',
      enqueuedAt: '2024-02-01T00:00:00.000Z',
      endedAt: '2024-02-01T12:00:00.000Z',
      durationMs: 1234,
      errors: [],
      quality: { passed: false, overallScore: 97.5, failedChecks: [] },
      steps: [{ name: 'transform', status: 'success', durationMs: 500 }],
    });
  });

  it.each([
    ['status=success', ['sales_etl-2024-01-20-rabc123', 'sales_etl-2024-01-20', 'returns-2024-01-20']],
    ['status=failed', ['sales_etl-2024-01-22']],
    ['date=2024-01-20', ['sales_etl-2024-01-20-rabc123', 'sales_etl-2024-01-20', 'returns-2024-01-20']],
    ['pipeline=returns', ['returns-2024-01-20']],
    ['pipeline=sales_etl&status=success', ['sales_etl-2024-01-20-rabc123', 'sales_etl-2024-01-20']],
    [
      'date=2024-01-20&pipeline=sales_etl&status=success',
      ['sales_etl-2024-01-20-rabc123', 'sales_etl-2024-01-20'],
    ],
    ['date=2023-12-31', []],
  ])('filters: ?%s', async (query, expected) => {
    const { status, body } = await env.json<RunListBody>(`/api/runs?${query}`);
    expect(status).toBe(200);
    expect(ids(body)).toEqual(expected);
    expect(body.total).toBe(expected.length);
  });

  it('?pipeline= of a pipeline not loaded is a 400 listing the loaded ones', async () => {
    const { status, body } = await env.json<ApiErrorBody>('/api/runs?pipeline=retired');
    expect(status).toBe(400);
    expect(body).toEqual({
      code: 'UNKNOWN_PIPELINE',
      error: 'unknown pipeline retired; loaded pipelines: returns, sales_etl',
    });
    // Its records stay readable by id.
    expect((await env.json('/api/runs/retired-2024-01-20')).body).toEqual(RETIRED);
  });

  it('limit keeps the newest runs and reports the total', async () => {
    const { body } = await env.json<RunListBody>('/api/runs?limit=2');
    expect(ids(body)).toEqual(['sales_etl-2024-01-20-rabc123', 'sales_etl-2024-01-21']);
    expect(body).toMatchObject({ total: 5, limit: 2 });
  });

  it.each([
    ['status=done', /status: Invalid option/],
    ['date=2024-02-30', /date: expected a calendar date YYYY-MM-DD/],
    ['date=yesterday', /date: expected a calendar date/],
    ['pipeline=Sales-ETL', /pipeline: lower-case letters, digits and _/],
    ['limit=0', /limit: Too small/],
    ['limit=5000', /limit: Too big/],
    ['limit=ten', /limit: expected a whole number/],
    ['state=failed', /unknown parameter state/],
    ['status=success&status=failed', /status:/],
  ])('a bad filter is a 400 that says why: ?%s', async (query, message) => {
    const { status, body } = await env.json<ApiErrorBody>(`/api/runs?${query}`);
    expect(status).toBe(400);
    expect(body.code).toBe('BAD_FILTER');
    expect(body.error).toMatch(message);
  });

  it('returns one run record as written', async () => {
    const { status, body } = await env.json<RunRecord>('/api/runs/sales_etl-2024-01-22');
    expect(status).toBe(200);
    expect(body).toEqual(RUNS[2]);
  });

  it('404 for a run without a record, 400 for an id that cannot be one', async () => {
    const missing = await env.json<ApiErrorBody>('/api/runs/sales_etl-1999-01-01');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      code: 'RUN_NOT_FOUND',
      error: 'no record of run sales_etl-1999-01-01 (it has not ended, or never existed)',
    });
    for (const bad of ['bad:id', 'a%20b', '%2F..%2Fsecret', 'x'.repeat(161)]) {
      const response = await env.json<ApiErrorBody>(`/api/runs/${bad}`);
      expect(response.status, bad).toBe(400);
      expect(response.body.code).toBe('BAD_RUN_ID');
      expect(response.body.error).toMatch(/^invalid run id: /);
    }
    expect((await env.json('/api/runs/bad:id/quality')).status).toBe(400);
  });

  it("returns a run's quality report from record.quality.reportKey", async () => {
    const { status, body } = await env.json('/api/runs/sales_etl-2024-01-20/quality');
    expect(status).toBe(200);
    expect(body).toEqual(REPORT);
  });

  it('404 when the run has no quality step, no report object, or no record', async () => {
    const noStep = await env.json<ApiErrorBody>('/api/runs/sales_etl-2024-01-22/quality');
    expect(noStep.status).toBe(404);
    expect(noStep.body.error).toMatch(/has no quality report: its quality step did not run/);
    const noObject = await env.json<ApiErrorBody>('/api/runs/sales_etl-2024-01-21/quality');
    expect(noObject.status).toBe(404);
    expect(noObject.body.error).toMatch(
      /sales_etl\/quality\/enriched\/date=2024-01-21\/report\.json is missing/,
    );
    expect((await env.json('/api/runs/sales_etl-1999-01-01/quality')).status).toBe(404);
  });

  it('unknown API routes are JSON 404s', async () => {
    expect(await env.json('/api/nothing')).toEqual({
      status: 404,
      body: { error: 'no such API route', code: 'NOT_FOUND' },
    });
  });
});
