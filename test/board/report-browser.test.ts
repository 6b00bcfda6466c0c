import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIds } from '../../src/lib/pipeline/lifecycle.ts';
import { writeRunRecord } from '../../src/lib/pipeline/run-record.ts';
import { writeRunReportHtml } from '../../src/lib/report/report-html-write.ts';
import { browserSkipReason, launchChromium } from '../helpers/chromium.ts';
import { PIPELINE, SCRIPT_VALUE, sampleRecord, writeRuns } from '../helpers/run-reports.ts';
import { type BoardEnv, PASSWORD, startBoard, USER } from './board-env.ts';

const SCREENSHOTS = { runs: '/tmp/lakeflow-runs-page.png', report: '/tmp/lakeflow-run-report.png' };
const DATES = ['2024-01-18', '2024-01-19', '2024-01-20'];
const RUN_ID = `${PIPELINE}-2024-01-20`;
const BARE = `${PIPELINE}-2024-01-22`;

const skipReason = browserSkipReason('report browser test');

describe.skipIf(skipReason !== undefined)('run report pages in headless Chromium', () => {
  let board: BoardEnv;
  let browser: Browser;

  beforeAll(async () => {
    board = await startBoard();
    const { records, reports } = await writeRuns(board.lake, DATES);
    await writeRunReportHtml(board.lake, records[2]!, reports[2]!);
    await writeRunRecord(board.lake, { ...sampleRecord(BARE, '2024-01-22', null), status: 'success' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await board?.close();
  });

  /** A logged-in page; a script running or a dialog opening (an escaping failure) fails the test. */
  async function withPage(fn: (page: Page) => Promise<void>): Promise<void> {
    const context: BrowserContext = await browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1300, height: 900 },
    });
    const dialogs: string[] = [];
    try {
      const page = await context.newPage();
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await fn(page);
      expect(dialogs).toEqual([]);
    } finally {
      await context.close();
    }
  }

  it('does not open the runs page without credentials', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const outcome = await page.goto(`${board.url}/runs`).then(
        (response) => response?.status(),
        (error: Error) => error.message,
      );
      if (typeof outcome === 'string') expect(outcome).toMatch(/ERR_INVALID_AUTH_CREDENTIALS/);
      else expect(outcome).toBe(401);
    } finally {
      await context.close();
    }
  });

  it("opens a run's report from the runs page: checks, samples and the trend chart", async () => {
    await withPage(async (page) => {
      expect((await page.goto(`${board.url}/runs`))?.status()).toBe(200);
      await expect.poll(() => page.locator('table.runs tbody tr').count()).toBe(4);
      const quality = page.locator(`a.job[href="/board/queue/quality/${jobIds.quality(RUN_ID)}"]`);
      expect(await quality.count()).toBe(1);
      await page.screenshot({ path: SCREENSHOTS.runs, fullPage: true });

      await page.locator('a.run', { hasText: RUN_ID }).click();
      await page.waitForURL(`${board.url}/runs/${RUN_ID}`);
      await page.locator('h1', { hasText: PIPELINE }).waitFor({ state: 'visible' });

      const checks = page.locator('table.checks tbody tr');
      expect(await checks.count()).toBe(5);
      const failing = page.locator('tr.outcome-error', { hasText: 'Range: profit_margin' });
      await failing.waitFor({ state: 'visible' });
      // The outcome is colored: the error badge is red, the pass badge green.
      const background = (selector: string) =>
        page
          .locator(selector)
          .first()
          .evaluate((el) => {
            // Runs in the page (the DOM's globals are not in this project's types).
            const view = globalThis as unknown as {
              getComputedStyle(el: unknown): { backgroundColor: string };
            };
            return view.getComputedStyle(el).backgroundColor;
          });
      expect(await background('tr.outcome-error .badge-error')).toBe('rgb(207, 34, 46)');
      expect(await background('tr.outcome-pass .badge-pass')).toBe('rgb(26, 127, 55)');

      const samples = page.locator('table.samples');
      expect(await samples.count()).toBe(2);
      await samples.first().getByText('-127.06').waitFor({ state: 'visible' });
      // The hostile sample value shows as text: escaped, not run.
      await page.getByText(SCRIPT_VALUE).waitFor({ state: 'visible' });
      expect(await page.locator('script').count()).toBe(0);

      const charts = page.locator('svg.trend');
      expect(await charts.count()).toBe(2);
      for (let i = 0; i < 2; i += 1) {
        await charts.nth(i).waitFor({ state: 'visible' });
        expect(await charts.nth(i).locator('circle.point').count()).toBe(DATES.length);
        expect(await charts.nth(i).locator('circle.point.current').count()).toBe(1);
      }
      await page.screenshot({ path: SCREENSHOTS.report, fullPage: true });
    });
  });

  it('filters the runs page with its form and opens a run without a suite', async () => {
    await withPage(async (page) => {
      await page.goto(`${board.url}/runs`);
      await page.locator('select[name="status"]').selectOption('success');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/[?&]status=success/);
      await expect.poll(() => page.locator('table.runs tbody tr').count()).toBe(1);

      await page.locator('a.run', { hasText: BARE }).click();
      await page.waitForURL(`${board.url}/runs/${BARE}`);
      await page.getByText('This pipeline has no quality suite').waitFor({ state: 'visible' });
      expect(await page.locator('svg.trend').count()).toBe(0);
      expect(await page.locator('table.steps tbody tr').count()).toBe(5);
    });
  });
});
