import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeKeys } from '../../src/lib/lake/keys.ts';
import { jobIds } from '../../src/lib/pipeline/lifecycle.ts';
import { enqueueRuns, openProducer } from '../../src/lib/pipeline/producer.ts';
import { writeRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { writeRunReportHtml } from '../../src/lib/report/report-html-write.ts';
import { generatedRun } from '../helpers/pipeline-env.ts';
import { DATASET, PIPELINE, SCRIPT_VALUE, sampleRecord, writeRuns } from '../helpers/run-reports.ts';
import { type BoardEnv, startBoard } from './board-env.ts';

const DATES = ['2024-01-18', '2024-01-19', '2024-01-20'];
const runIdOf = (date: string) => `${PIPELINE}-${date}`;
/** A run of a date whose pipeline had no suite: no report, no page in the lake. */
const BARE = runIdOf('2024-01-22');

/** The run ids a runs page lists, in its order. */
const listed = (page: string) =>
  [...page.matchAll(/<a class="run" href="\/runs\/([^"]+)">/g)].map((m) => m[1]);
const trendPoints = (page: string) =>
  (page.match(/<svg class="trend"[\s\S]*?<\/svg>/g) ?? []).map(
    (svg) => (svg.match(/<circle class="point/g) ?? []).length,
  );

describe('run report pages on the board', () => {
  let env: BoardEnv;
  let stored: string;

  beforeAll(async () => {
    env = await startBoard();
    const { records, reports } = await writeRuns(env.lake, DATES);
    // The last run's page is in the lake, as the quality step writes it; the others are not.
    await writeRunReportHtml(env.lake, records[2]!, reports[2]!);
    stored = (
      await env.lake.storage.get(
        lakeKeys.qualityReportHtml(PIPELINE, DATASET, '2024-01-20', runIdOf('2024-01-20')),
      )
    ).toString('utf8');
    await writeRunRecord(env.lake, { ...sampleRecord(BARE, '2024-01-22', null), status: 'success' });
  });
  afterAll(async () => {
    await env?.close();
  });

  it.each(['/runs', `/runs/${runIdOf('2024-01-20')}`, '/runs/not-a-run'])(
    '%s needs credentials: 401 without them',
    async (path) => {
      const response = await env.request(path, { as: 'nobody' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="lakeflow"');
      expect(await response.text()).not.toContain(PIPELINE);
    },
  );

  it('lists every run, newest first, each linking to its report page and its jobs in Bull Board', async () => {
    const response = await env.request('/runs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await response.text();
    expect(listed(page)).toEqual([BARE, ...DATES.map(runIdOf).reverse()]);
    const id = runIdOf('2024-01-19');
    expect(page).toContain(`href="/board/queue/quality/${jobIds.quality(id)}"`);
    expect(page).toContain(`href="/board/queue/transform/${jobIds.transform(id)}"`);
    expect(page).toContain(`href="/board/queue/ingest/${jobIds.ingest(id, 'customers')}"`);
    expect(page).toContain('Runs 1–4 of 4.');
  });

  it('filters by pipeline, dates and status from the form, and keeps the form filled in', async () => {
    const range = await (
      await env.request(`/runs?pipeline=${PIPELINE}&status=&from=2024-01-19&to=2024-01-20`)
    ).text();
    expect(listed(range)).toEqual([runIdOf('2024-01-20'), runIdOf('2024-01-19')]);
    expect(range).toContain(`<option value="${PIPELINE}" selected>`);
    expect(range).toContain('<input type="date" name="from" value="2024-01-19">');
    const success = await (await env.request('/runs?status=success')).text();
    expect(listed(success)).toEqual([BARE]);
    expect(success).toContain('<option value="success" selected>');
    expect(listed(await (await env.request('/runs?status=failed')).text())).toEqual([]);
    expect(listed(await (await env.request('/runs?pipeline=sensors')).text())).toEqual([]);
  });

  it('pages with offset', async () => {
    const page = await (await env.request('/runs?offset=2')).text();
    expect(listed(page)).toEqual([runIdOf('2024-01-19'), runIdOf('2024-01-18')]);
    expect(page).toContain('Runs 3–4 of 4.');
    expect(page).toContain('<a href="/runs">← newer</a>');
  });

  it.each([
    ['a date that is not one', '?from=2024-13-01', 'from'],
    ['from after to', '?from=2024-01-20&to=2024-01-19', 'from is after to'],
    ['an unknown status', '?status=done', 'status'],
    ['a pipeline not loaded', '?pipeline=nope', 'Unknown pipeline nope'],
  ])('refuses %s with 400 and says why', async (_what, query, why) => {
    const response = await env.request(`/runs${query}`);
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('class="error-box"');
    expect(page).toContain(why);
    expect(listed(page)).toEqual([]);
  });

  it("serves a run's page from the lake when the quality step wrote it", async () => {
    const response = await env.request(`/runs/${runIdOf('2024-01-20')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-report-source')).toBe('lake');
    expect(await response.text()).toBe(stored);
    expect(trendPoints(stored)).toEqual([3, 3]);
  });

  it("renders a run's page from record, report and history when the lake has none", async () => {
    const response = await env.request(`/runs/${runIdOf('2024-01-19')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-report-source')).toBe('rendered');
    const page = await response.text();
    expect(page).toContain('<td>Range: profit_margin [-50, 100]</td>');
    expect(page).toContain('<table class="samples">');
    expect(page).not.toContain(SCRIPT_VALUE);
    // 2024-01-18 from the history, then the run itself; 2024-01-20 is after it.
    expect(trendPoints(page)).toEqual([2, 2]);
    expect(page).toContain(`<a href="/board/queue/transform/${jobIds.transform(runIdOf('2024-01-19'))}">`);
    expect(page).toContain('<a href="/runs">← all runs</a>');
  });

  it('renders the page of a run without a suite', async () => {
    const response = await env.request(`/runs/${BARE}`);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('This pipeline has no quality suite: nothing was checked.');
    expect(trendPoints(page)).toEqual([]);
  });

  it('answers 400 for an invalid run id and 404 for a run that does not exist', async () => {
    const invalid = await env.request('/runs/not-a-run');
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('invalid run id');
    const script = await env.request(`/runs/${encodeURIComponent('<script>x</script>')}`);
    expect(script.status).toBe(400);
    expect(await script.text()).not.toContain('<script>x');
    const missing = await env.request(`/runs/${runIdOf('2023-01-01')}`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain(`No run ${runIdOf('2023-01-01')}`);
  });

  // Last: the other tests count the ended runs only.
  it('lists a run in progress and renders its page with its steps so far', async () => {
    // No worker serves this board's prefix: the run stays queued.
    const producer = await openProducer(env.config);
    try {
      await enqueueRuns(producer, [generatedRun('2024-01-25')]);
    } finally {
      await producer.close();
    }
    const running = runIdOf('2024-01-25');
    expect(listed(await (await env.request('/runs?status=running')).text())).toEqual([running]);
    expect(listed(await (await env.request('/runs')).text())[0]).toBe(running);
    const response = await env.request(`/runs/${running}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-report-source')).toBe('rendered');
    const page = await response.text();
    expect(page).toContain('<span class="badge badge-running">running</span>');
    expect(page).toContain('The run is in progress: its checks have not run yet.');
    expect(page).toContain(`<a href="/board/queue/quality/${jobIds.quality(running)}">`);
    expect(page.match(/<span class="badge badge-waiting">waiting<\/span>/g)).toHaveLength(3);
  });
});
