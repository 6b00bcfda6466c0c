import { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { PipelineRegistry } from '../lib/definition/registry.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { isoDateSchema, pipelineNameSchema, runStatusSchema } from '../lib/pipeline/jobs.ts';
import { parseRunId } from '../lib/pipeline/lifecycle.ts';
import { type RunSummary, summarizeRun } from './run-api-summary.ts';
import { type ListedRun, type RunView, sortKey } from './run-listing.ts';
import type { RunStore } from './run-store.ts';

/** Most runs one listing returns; `limit` above it is a 400, not a silent cap. */
export const MAX_LIST_LIMIT = 1000;
const DEFAULT_LIST_LIMIT = 50;

const wholeNumber = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number);
const listedStatusSchema = z.enum([...runStatusSchema.options, 'running']);

// Strict: an unknown parameter (`?state=failed`) is a 400, not a filter silently ignored.
const listQuerySchema = z
  .strictObject({
    status: listedStatusSchema.optional(),
    date: isoDateSchema.optional(),
    from: isoDateSchema.optional(),
    to: isoDateSchema.optional(),
    pipeline: pipelineNameSchema.optional(),
    limit: wholeNumber.pipe(z.number().int().min(1).max(MAX_LIST_LIMIT)).default(DEFAULT_LIST_LIMIT),
    offset: wholeNumber.pipe(z.number().int().min(0)).optional(),
    cursor: z.string().min(1).optional(),
  })
  .superRefine((query, context) => {
    if (query.date !== undefined && (query.from !== undefined || query.to !== undefined))
      context.addIssue({ code: 'custom', message: 'date is one day; use either date or from/to' });
    if (query.from !== undefined && query.to !== undefined && query.from > query.to)
      context.addIssue({ code: 'custom', message: `from ${query.from} is after to ${query.to}` });
    if (query.offset !== undefined && query.cursor !== undefined)
      context.addIssue({ code: 'custom', message: 'use either offset or cursor, not both' });
  });

const latestQuerySchema = z.strictObject({ pipeline: pipelineNameSchema, date: isoDateSchema });

export type { RunSummary } from './run-api-summary.ts';

/** The body of `GET /api/runs`. */
export interface RunListBody {
  runs: RunSummary[];
  /** Runs matching the filter, before paging. */
  total: number;
  limit: number;
  /** Position of the page's first run among the `total`. */
  offset: number;
  /** Pass as `?cursor=` (same filter) for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** The body of every error answer of the run API. */
export interface ApiErrorBody {
  error: string;
  code: string;
}

/**
 * The run API, read from the lake and BullMQ: `GET /runs` (the loaded pipelines' runs, in progress
 * first; filters `status` (`running` for runs in progress), `date` or `from`/`to`, `pipeline`; pages with
 * `limit` and `cursor` or `offset`), `GET /runs/latest?pipeline=&date=` (the run the date's outputs
 * reflect), `GET /runs/:runId`, `GET /runs/:runId/quality` (that run's own report). Mount it under
 * `/api`; authentication is the caller's (the server puts it in front of this router).
 */
export function createRunsApi(store: RunStore, registry: PipelineRegistry, logger: Logger): Router {
  const router = Router();

  /** Answers 400 for a pipeline that is not loaded; returns whether it is (or none was named). */
  const loaded = (res: Response, pipeline: string | undefined): boolean => {
    if (pipeline === undefined || registry.has(pipeline)) return true;
    const names = registry.names.join(', ') || 'none';
    sendError(res, 400, 'UNKNOWN_PIPELINE', `unknown pipeline ${pipeline}; loaded pipelines: ${names}`);
    return false;
  };

  router.get('/runs', async (req, res) => {
    const query = listQuerySchema.safeParse(req.query);
    if (!query.success) {
      sendError(res, 400, 'BAD_FILTER', describeIssues(query.error));
      return;
    }
    const { limit, offset, cursor, ...filter } = query.data;
    if (!loaded(res, filter.pipeline)) return;
    let after: ReturnType<typeof sortKey> | undefined;
    if (cursor !== undefined) {
      after = decodeCursor(cursor);
      if (!after) {
        sendError(res, 400, 'BAD_CURSOR', 'cursor: not one this API returned (pass nextCursor as is)');
        return;
      }
    }
    const runs = await store.runs(filter);
    const first = after ? firstAfter(runs, after) : (offset ?? 0);
    const page = runs.slice(first, first + limit);
    const last = page.at(-1);
    const body: RunListBody = {
      runs: await Promise.all(page.map(async (run) => summarizeRun(await store.view(run)))),
      total: runs.length,
      limit,
      offset: first,
      nextCursor: last && first + page.length < runs.length ? encodeCursor(sortKey(last)) : null,
    };
    res.json(body);
  });

  router.get('/runs/latest', async (req, res) => {
    const query = latestQuerySchema.safeParse(req.query);
    if (!query.success) {
      sendError(res, 400, 'BAD_FILTER', describeIssues(query.error, 'pipeline, date'));
      return;
    }
    const { pipeline, date } = query.data;
    const run = await store.latestOf(pipeline, date);
    if (!run) {
      sendError(res, 404, 'RUN_NOT_FOUND', `no run of ${pipeline} for ${date} has written its datasets`);
      return;
    }
    res.json(run);
  });

  /** The run the `:runId` parameter names; answers 400 or 404 itself and returns undefined. */
  const runOf = async (req: Request, res: Response): Promise<RunView | undefined> => {
    const runId = runIdParam(req, res);
    if (runId === undefined) return undefined;
    const run = await store.getView(runId);
    if (!run) {
      sendError(
        res,
        404,
        'RUN_NOT_FOUND',
        `no run ${runId}: no record in the lake and no job in progress (never enqueued, or removed)`,
      );
    }
    return run;
  };

  router.get('/runs/:runId', async (req, res) => {
    const run = await runOf(req, res);
    if (run) res.json(run);
  });

  router.get('/runs/:runId/quality', async (req, res) => {
    const record = await runOf(req, res);
    if (!record) return;
    if (record.status === 'running') {
      sendError(res, 404, 'REPORT_NOT_FOUND', `run ${record.runId} has no quality report yet: it is running`);
      return;
    }
    const reportKey = record.quality?.reportKey;
    const report = reportKey ? await store.readDocument(reportKey) : undefined;
    if (report === undefined) {
      const why = reportKey
        ? `its report ${reportKey} is missing from the lake`
        : 'its quality step did not run';
      sendError(res, 404, 'REPORT_NOT_FOUND', `run ${record.runId} has no quality report: ${why}`);
      return;
    }
    res.json(report);
  });

  router.use((_req: Request, res: Response) => sendError(res, 404, 'NOT_FOUND', 'no such API route'));

  // Express 5 forwards rejected handlers here. Five arguments' worth of signature is how Express tells
  // an error handler from a middleware, so `_next` must stay.
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.error({ err: error, path: req.path }, 'run API request failed');
    sendError(res, 500, 'INTERNAL', `could not read from the lake: ${errorMessage(error)}`);
  });

  return router;
}

function runIdParam(req: Request, res: Response): string | undefined {
  const runId = String(req.params.runId);
  if (parseRunId(runId)) return runId;
  sendError(
    res,
    400,
    'BAD_RUN_ID',
    `invalid run id: ${JSON.stringify(runId)} is not <pipeline>-<YYYY-MM-DD>[-r<tag>]`,
  );
  return undefined;
}

/** A cursor names the last run of a page by where it sorts; opaque to callers. */
function encodeCursor(key: ReturnType<typeof sortKey>): string {
  return Buffer.from(JSON.stringify([key.rank, key.at, key.runId])).toString('base64url');
}

function decodeCursor(cursor: string): ReturnType<typeof sortKey> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [rank, at, runId] = value as unknown[];
    if ((rank !== 0 && rank !== 1) || typeof at !== 'string' || typeof runId !== 'string') return undefined;
    return { rank, at, runId };
  } catch {
    return undefined;
  }
}

/** Index of the first run sorting after the cursor's (the listing may have changed since). */
function firstAfter(runs: readonly ListedRun[], after: ReturnType<typeof sortKey>): number {
  const index = runs.findIndex((run) => {
    const key = sortKey(run);
    return (
      key.rank > after.rank ||
      (key.rank === after.rank && (key.at < after.at || (key.at === after.at && key.runId > after.runId)))
    );
  });
  return index < 0 ? runs.length : index;
}

function describeIssues(
  error: z.ZodError,
  known = 'status, date, from, to, pipeline, limit, offset, cursor',
): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.join('.');
      // An unknown parameter's name is in `keys`, not in `path`.
      if (issue.code === 'unrecognized_keys')
        return `unknown parameter ${issue.keys.join(', ')} (use ${known})`;
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

function sendError(res: Response, status: number, code: string, message: string): void {
  const body: ApiErrorBody = { error: message, code };
  res.status(status).json(body);
}
