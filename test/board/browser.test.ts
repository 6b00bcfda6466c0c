import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIds } from '../../src/lib/pipeline/lifecycle.ts';
import type { RunOutcome } from '../../src/producers/follow-runs.ts';
import { browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { createPipelineEnv, generatedRun, type PipelineEnv } from '../helpers/pipeline-env.ts';
import { type BoardEnv, PASSWORD, startBoard, USER } from './board-env.ts';

const SCREENSHOTS = {
  overview: '/tmp/lakeflow-board-overview.png',
  quality: '/tmp/lakeflow-board-quality.png',
  flow: '/tmp/lakeflow-board-flow.png',
};
const RUN_ID = 'sales_etl-2024-01-20';

const skipReason = browserSkipReason('board browser test');

describe.skipIf(skipReason !== undefined)('the board in headless Chromium', () => {
  let pipeline: PipelineEnv;
  let board: BoardEnv;
  let browser: Browser;
  let outcome: RunOutcome;

  beforeAll(async () => {
    pipeline = await createPipelineEnv();
    board = await startBoard({ config: pipeline.config });
    [outcome] = (await pipeline.run([generatedRun('2024-01-20')])) as [RunOutcome];
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await board?.close();
    await pipeline?.close();
  });

  it.each([
    ['no credentials', undefined],
    ['a wrong password', { username: USER, password: 'wrong' }],
  ])('with %s the board does not open', async (_what, httpCredentials) => {
    const context = await browser.newContext(httpCredentials ? { httpCredentials } : {});
    try {
      const page = await context.newPage();
      // Headless Chromium either aborts the navigation (no credentials to answer the challenge with)
      // or shows the 401 answer (its retry with the wrong password was refused): never the board.
      const outcome = await page.goto(`${board.url}/board/`).then(
        (response) => response?.status(),
        (error: Error) => error.message,
      );
      if (typeof outcome === 'string') expect(outcome).toMatch(/ERR_INVALID_AUTH_CREDENTIALS/);
      else expect(outcome).toBe(401);
      expect(await page.title()).not.toBe('lakeflow');
    } finally {
      await context.close();
    }
  });

  it('logs in, shows the pipeline queues, the completed run in the quality queue and its flow', async () => {
    expect(outcome.record, outcome.error).not.toBeNull();
    const context = await browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1400, height: 900 },
    });
    try {
      const page = await context.newPage();
      const overview = await page.goto(`${board.url}/`);
      expect(overview?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/board/');
      for (const queue of ['ingest', 'transform', 'quality', 'schedule'])
        await page.getByRole('link', { name: queue, exact: true }).first().waitFor({ state: 'visible' });
      await page.screenshot({ path: SCREENSHOTS.overview, fullPage: true });
      // The board's header menu (its last button: the links) leads to the runs page, which lists the run.
      await page.locator('ul[class*="actions"] > li').last().locator('button').first().click();
      const runsLink = page.locator('a[href="/runs"]').first();
      await runsLink.waitFor({ state: 'visible' });
      const runs = await context.newPage();
      await runs.goto(new URL((await runsLink.getAttribute('href')) as string, board.url).href);
      await runs.getByRole('link', { name: RUN_ID, exact: true }).first().waitFor({ state: 'visible' });
      await runs.close();

      await page.goto(`${board.url}/board/queue/quality?status=completed`);
      // waitFor throws (naming the locator) if the job never shows up: that is the assertion.
      await page.getByText(jobIds.quality(RUN_ID)).first().waitFor({ state: 'visible' });
      await page.screenshot({ path: SCREENSHOTS.quality, fullPage: true });

      // An ingestion's page draws the whole flow of its run: quality ← transform ← each ingestion.
      await page.goto(`${board.url}/board/queue/ingest/${jobIds.ingest(RUN_ID, 'customers')}`);
      await page.getByText('Job flow').waitFor({ state: 'visible' });
      const graph = page.locator('.react-flow');
      for (const node of [
        'quality',
        'transform',
        'ingest-transactions',
        'ingest-customers',
        'ingest-products',
      ])
        await graph.getByText(node, { exact: true }).first().waitFor({ state: 'visible' });
      await page.screenshot({ path: SCREENSHOTS.flow, fullPage: true });
    } finally {
      await context.close();
    }
  });
});
