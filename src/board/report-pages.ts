import { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { errorMessage, InputError } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import type { Logger } from '../lib/logger.ts';
import { isoDateSchema, pipelineNameSchema, runStatusSchema } from '../lib/pipeline/jobs.ts';
import { runRecordKey } from '../lib/pipeline/run-record.ts';
import type { QualityReport } from '../lib/quality/report.ts';
import { html, page } from '../lib/report/html.ts';
import type { ReportLinks } from '../lib/report/report-html.ts';
import { renderRunReportFromLake, runReportHtmlKey } from '../lib/report/report-html-write.ts';
import { isNotFound } from './run-records.ts';
import type { RunStore } from './run-store.ts';
import { type RunsPageFilter, renderRunsPage } from './runs-page.ts';

/** Runs one page of the runs page lists. */
export const RUNS_PAGE_SIZE = 100;

/** What {@link createReportPages} reads and links to. */
export interface ReportPagesOptions {
  store: RunStore;
  lake: DataLake;
  /** The loaded pipelines: the filter's menu, and the only ones a filter may name. */
  pipelines: readonly string[];
  logger: Logger;
  /** Where Bull Board is mounted (`/board`): job links are `<boardPath>/queue/<queue>/<jobId>`. */
  boardPath: string;
  /** Where this router is mounted (default `/runs`): the pages' own links. */
  basePath?: string;
}

// A form sends every field, empty when not chosen: empty means no filter. Unknown fields are ignored
// (a bookmark with an old parameter still opens), but a wrong value is refused, not guessed.
const blank = (value: unknown) => (value === '' ? undefined : value);
const pageQuerySchema = z
  .object({
    pipeline: z.preprocess(blank, pipelineNameSchema.optional()),
    status: z.preprocess(blank, z.enum([...runStatusSchema.options, 'running']).optional()),
    from: z.preprocess(blank, isoDateSchema.optional()),
    to: z.preprocess(blank, isoDateSchema.optional()),
    offset: z.preprocess(blank, z.coerce.number().int().min(0).optional()),
  })
  .refine((query) => !(query.from && query.to && query.from > query.to), {
    message: 'from is after to',
  });

/** Security headers of every page: no scripts at all, styles inline only, nothing fetched. */
function sendPage(res: Response, status: number, body: string): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    })
    .send(body);
}

function errorPage(res: Response, status: number, title: string, message: string, runsPath: string): void {
  sendPage(
    res,
    status,
    page(
      `${title} (lakeflow)`,
      html`<nav><a href="${runsPath}">← all runs</a></nav><h1>${title}</h1><p class="error-box">${message}</p>`,
    ),
  );
}

/** The report a record points to, if the lake still has one that looks like a report. */
function asReport(document: unknown): QualityReport | null {
  if (typeof document !== 'object' || document === null) return null;
  return typeof (document as Partial<QualityReport>).dataset === 'string'
    ? (document as QualityReport)
    : null;
}

/**
 * The board's HTML pages about runs, to mount at `/runs` behind the board's auth: `GET /runs` lists
 * runs (filters `pipeline`, `status`, `from`, `to` from a plain GET form; `offset` pages) through
 * the run API's store, each linking to its report page and its jobs in Bull Board; `GET /runs/:runId`
 * serves the run's HTML report from the lake (`<pipeline>/quality/<dataset>/date=…/<runId>.html`), or
 * renders it from the record, report and history when there is none (no suite, an older run, a run in
 * progress). An invalid run id is a 400, an unknown run a 404.
 */
export function createReportPages(options: ReportPagesOptions): Router {
  const { store, lake, logger, boardPath, pipelines } = options;
  const base = options.basePath ?? '/runs';
  const links: ReportLinks & { board: string } = {
    runs: base,
    board: `${boardPath}/`,
    job: (queue, jobId) => `${boardPath}/queue/${encodeURIComponent(queue)}/${encodeURIComponent(jobId)}`,
  };
  const router = Router();

  /** The runs page with no runs and why the filter was refused (400). */
  const refuse = (res: Response, filter: RunsPageFilter, problem: string) =>
    sendPage(
      res,
      400,
      renderRunsPage({
        runs: [],
        total: 0,
        offset: 0,
        limit: RUNS_PAGE_SIZE,
        filter,
        links,
        pipelines,
        problem,
      }),
    );

  router.get('/', async (req, res) => {
    const parsed = pageQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      const problem = parsed.error.issues
        .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
        .join('; ');
      // The form shows the dates as typed, so they can be corrected.
      const typed = (name: string) => (typeof req.query[name] === 'string' ? req.query[name] : undefined);
      refuse(res, { from: typed('from'), to: typed('to') }, `Invalid filter: ${problem}.`);
      return;
    }
    const { offset = 0, ...given } = parsed.data;
    const filter = Object.fromEntries(
      Object.entries(given).filter(([, value]) => value !== undefined),
    ) as RunsPageFilter;
    if (filter.pipeline !== undefined && !pipelines.includes(filter.pipeline)) {
      refuse(
        res,
        filter,
        `Unknown pipeline ${filter.pipeline}; loaded pipelines: ${pipelines.join(', ') || 'none'}.`,
      );
      return;
    }
    // The run API's listing (same order and filters), then only the shown page's runs read in full.
    const listed = await store.runs(filter);
    const runs = await Promise.all(
      listed.slice(offset, offset + RUNS_PAGE_SIZE).map((run) => store.view(run)),
    );
    const page = { runs, total: listed.length, offset, limit: RUNS_PAGE_SIZE, filter, links, pipelines };
    sendPage(res, 200, renderRunsPage(page));
  });

  router.get('/:runId', async (req, res) => {
    const runId = String(req.params.runId);
    try {
      runRecordKey(runId);
    } catch (error) {
      if (!(error instanceof InputError && error.code === 'INVALID_RUN_ID')) throw error;
      errorPage(res, 400, 'Invalid run id', error.message, base);
      return;
    }
    const run = await store.getView(runId);
    if (!run) {
      const why = 'no record in the lake and no job in progress (never enqueued, or removed)';
      errorPage(res, 404, 'Run not found', `No run ${runId}: ${why}.`, base);
      return;
    }
    const reportKey = run.status === 'running' ? undefined : run.quality?.reportKey;
    const report = reportKey ? asReport(await store.readDocument(reportKey)) : null;
    if (report) {
      const stored = await lake.storage.get(runReportHtmlKey(run, report)).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      if (stored) {
        res.set('X-Report-Source', 'lake');
        sendPage(res, 200, stored.toString('utf8'));
        return;
      }
    }
    const body = await renderRunReportFromLake(lake, run, report, { links, now: Date.now() });
    res.set('X-Report-Source', 'rendered');
    sendPage(res, 200, body);
  });

  // Express 5 forwards rejected handlers here; the signature's four parameters mark an error handler.
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err: error, path: req.path }, 'run page request failed');
    errorPage(
      res,
      500,
      'Could not read the run',
      `Could not read from the lake: ${errorMessage(error)}`,
      base,
    );
  });

  return router;
}
