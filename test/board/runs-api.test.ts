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
  const reportKey = lakeKeys.qualityReport(fields.pipeline, 'enriched', fields.date, runId);
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
/** The re-run's own report of the same date. */
const RERUN_REPORT = { ...REPORT, overall_score: 88, runId: 'sales_etl-2024-01-20-rabc123' };

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
    await env.lake.writeJson(
      lakeKeys.qualityReport('sales_etl', 'enriched', '2024-01-20', 'sales_etl-2024-01-20'),
      REPORT,
    );
    await env.lake.writeJson(
      lakeKeys.qualityReport('sales_etl', 'enriched', '2024-01-20', 'sales_etl-2024-01-20-rabc123'),
      RERUN_REPORT,
    );
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
    expect(body).toMatchObject({ total: 5, limit: 50, offset: 0, nextCursor: null });
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
      latest: true,
      supersededBy: null,
      // A record written before warnings, blocking checks and quarantines were recorded: empty ones.
      quality: { passed: false, overallScore: 97.5, failedChecks: [], warnings: [], blocked: [] },
      quarantined: {},
      steps: [{ name: 'transform', status: 'success', durationMs: 500, waitMs: null }],
    });
  });

  it('marks the run whose datasets a date holds: the re-run that wrote them last', async () => {
    const { body } = await env.json<RunListBody>('/api/runs?pipeline=sales_etl&date=2024-01-20');
    expect(body.runs.map((run) => [run.runId, run.latest, run.supersededBy])).toEqual([
      ['sales_etl-2024-01-20-rabc123', true, null],
      ['sales_etl-2024-01-20', false, 'sales_etl-2024-01-20-rabc123'],
    ]);
    // A failed run wrote no dataset: neither latest nor superseded.
    const failed = await env.json<RunListBody>('/api/runs?status=failed');
    expect(failed.body.runs.map((run) => [run.latest, run.supersededBy])).toEqual([[false, null]]);
    // Marked the same whatever the status filter leaves out.
    const first = await env.json<RunRecord & { latest: boolean; supersededBy: string | null }>(
      '/api/runs/sales_etl-2024-01-20',
    );
    expect([first.body.latest, first.body.supersededBy]).toEqual([false, 'sales_etl-2024-01-20-rabc123']);
    const latest = await env.json<RunRecord>('/api/runs/latest?pipeline=sales_etl&date=2024-01-20');
    expect(latest.status).toBe(200);
    expect(latest.body).toEqual({ ...RUNS[3], latest: true, supersededBy: null });
    const none = await env.json<ApiErrorBody>('/api/runs/latest?pipeline=sales_etl&date=2024-01-22');
    expect(none.status).toBe(404);
    expect(none.body).toEqual({
      code: 'RUN_NOT_FOUND',
      error: 'no run of sales_etl for 2024-01-22 has written its datasets',
    });
    const bad = await env.json<ApiErrorBody>('/api/runs/latest?pipeline=sales_etl');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/date:/);
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
    ['from=2024-01-21', ['sales_etl-2024-01-21', 'sales_etl-2024-01-22']],
    ['to=2024-01-20', ['sales_etl-2024-01-20-rabc123', 'sales_etl-2024-01-20', 'returns-2024-01-20']],
    ['from=2024-01-21&to=2024-01-21', ['sales_etl-2024-01-21']],
    [
      'from=2024-01-20&to=2024-01-21&pipeline=sales_etl&status=success',
      ['sales_etl-2024-01-20-rabc123', 'sales_etl-2024-01-20'],
    ],
    ['status=running', []],
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
    expect((await env.json('/api/runs/retired-2024-01-20')).body).toEqual({
      ...RETIRED,
      latest: true,
      supersededBy: null,
    });
  });

  it('limit keeps the newest runs and reports the total', async () => {
    const { body } = await env.json<RunListBody>('/api/runs?limit=2');
    expect(ids(body)).toEqual(['sales_etl-2024-01-20-rabc123', 'sales_etl-2024-01-21']);
    expect(body).toMatchObject({ total: 5, limit: 2, offset: 0 });
  });

  it('pages with nextCursor to the end, every run once, in order', async () => {
    const seen: string[] = [];
    let path = '/api/runs?limit=2';
    for (;;) {
      const { status, body } = await env.json<RunListBody>(path);
      expect(status).toBe(200);
      expect(body.total).toBe(5);
      expect(body.offset).toBe(seen.length);
      seen.push(...ids(body));
      if (body.nextCursor === null) break;
      path = `/api/runs?limit=2&cursor=${body.nextCursor}`;
    }
    expect(seen).toEqual(ids((await env.json<RunListBody>('/api/runs')).body));
    // A cursor keeps its place when a run ends meanwhile: the new run sorts first, not into the next page.
    const page = await env.json<RunListBody>('/api/runs?limit=2');
    const late = record('sales_etl-2024-01-25', {
      pipeline: 'sales_etl',
      date: '2024-01-25',
      status: 'success',
      endedAt: '2024-02-02T00:00:00.000Z',
    });
    await writeRunRecord(env.lake, late);
    try {
      const next = await env.json<RunListBody>(`/api/runs?limit=2&cursor=${page.body.nextCursor}`);
      expect(ids(next.body)).toEqual(['sales_etl-2024-01-22', 'sales_etl-2024-01-20']);
    } finally {
      await env.lake.storage.delete(lakeKeys.run('sales_etl', late.runId));
    }
  });

  it('pages with offset, with the date range applied first', async () => {
    const { body } = await env.json<RunListBody>('/api/runs?from=2024-01-20&to=2024-01-22&offset=1&limit=2');
    expect(ids(body)).toEqual(['sales_etl-2024-01-21', 'sales_etl-2024-01-22']);
    expect(body).toMatchObject({ total: 5, offset: 1, limit: 2 });
    expect(body.nextCursor).not.toBeNull();
    const past = await env.json<RunListBody>('/api/runs?offset=9');
    expect(past.body).toMatchObject({ runs: [], total: 5, offset: 9, nextCursor: null });
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
    ['from=2024-01-22&to=2024-01-20', /from 2024-01-22 is after to 2024-01-20/],
    ['date=2024-01-20&from=2024-01-19', /use either date or from\/to/],
    ['to=2024-13-01', /to: expected a calendar date/],
    ['offset=-1', /offset: expected a whole number/],
    ['offset=0&cursor=abc', /use either offset or cursor/],
  ])('a bad filter is a 400 that says why: ?%s', async (query, message) => {
    const { status, body } = await env.json<ApiErrorBody>(`/api/runs?${query}`);
    expect(status).toBe(400);
    expect(body.code).toBe('BAD_FILTER');
    expect(body.error).toMatch(message);
  });

  it('a cursor this API did not make is a 400', async () => {
    for (const cursor of ['abc', Buffer.from('[2,"x","y"]').toString('base64url')]) {
      const { status, body } = await env.json<ApiErrorBody>(`/api/runs?cursor=${cursor}`);
      expect(status, cursor).toBe(400);
      expect(body.code).toBe('BAD_CURSOR');
    }
  });

  it('returns one run record as written', async () => {
    const { status, body } = await env.json<RunRecord>('/api/runs/sales_etl-2024-01-22');
    expect(status).toBe(200);
    expect(body).toEqual({ ...RUNS[2], latest: false, supersededBy: null });
  });

  it('404 for a run without a record, 400 for an id that cannot be one', async () => {
    const missing = await env.json<ApiErrorBody>('/api/runs/sales_etl-1999-01-01');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      code: 'RUN_NOT_FOUND',
      error:
        'no run sales_etl-1999-01-01: no record in the lake and no job in progress (never enqueued, or removed)',
    });
    for (const bad of ['bad:id', 'a%20b', '%2F..%2Fsecret', 'x'.repeat(161)]) {
      const response = await env.json<ApiErrorBody>(`/api/runs/${bad}`);
      expect(response.status, bad).toBe(400);
      expect(response.body.code).toBe('BAD_RUN_ID');
      expect(response.body.error).toMatch(/^invalid run id: /);
    }
    expect((await env.json('/api/runs/bad:id/quality')).status).toBe(400);
  });

  it("returns each run's own quality report, from its record.quality.reportKey", async () => {
    const { status, body } = await env.json('/api/runs/sales_etl-2024-01-20/quality');
    expect(status).toBe(200);
    expect(body).toEqual(REPORT);
    const rerun = await env.json('/api/runs/sales_etl-2024-01-20-rabc123/quality');
    expect(rerun).toEqual({ status: 200, body: RERUN_REPORT });
  });

  it('404 when the run has no quality step, no report object, or no record', async () => {
    const noStep = await env.json<ApiErrorBody>('/api/runs/sales_etl-2024-01-22/quality');
    expect(noStep.status).toBe(404);
    expect(noStep.body.error).toMatch(/has no quality report: its quality step did not run/);
    const noObject = await env.json<ApiErrorBody>('/api/runs/sales_etl-2024-01-21/quality');
    expect(noObject.status).toBe(404);
    expect(noObject.body.error).toMatch(
      /sales_etl\/quality\/enriched\/date=2024-01-21\/sales_etl-2024-01-21\.json is missing/,
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
