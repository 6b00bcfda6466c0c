import { type NextFunction, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { PipelineRegistry } from '../lib/definition/registry.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { isoDateSchema, pipelineNameSchema, runStatusSchema } from '../lib/pipeline/jobs.ts';
import { parseRunId } from '../lib/pipeline/lifecycle.ts';
import type { RunRecord } from '../lib/pipeline/run-record.ts';
import type { RunStore } from './run-store.ts';

/** Most runs one listing returns; `limit` above it is a 400, not a silent cap. */
export const MAX_LIST_LIMIT = 1000;
const DEFAULT_LIST_LIMIT = 50;

// Strict: an unknown parameter (`?state=failed`) is a 400, not a filter silently ignored.
const listQuerySchema = z.strictObject({
  status: runStatusSchema.optional(),
  date: isoDateSchema.optional(),
  pipeline: pipelineNameSchema.optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_LIST_LIMIT))
    .default(DEFAULT_LIST_LIMIT),
});

/** One run in a listing: the record without step results and lineage (see `GET /api/runs/:runId`). */
export type RunSummary = Pick<
  RunRecord,
  'runId' | 'pipeline' | 'date' | 'suite' | 'status' | 'enqueuedAt' | 'endedAt' | 'durationMs' | 'errors'
> & {
  quality: Omit<NonNullable<RunRecord['quality']>, 'reportKey'> | null;
  steps: Pick<RunRecord['steps'][number], 'name' | 'status' | 'durationMs'>[];
};

/** The body of `GET /api/runs`. */
export interface RunListBody {
  runs: RunSummary[];
  /** Runs matching the filter, before `limit`. */
  total: number;
  limit: number;
}

/** The body of every error answer of the run API. */
export interface ApiErrorBody {
  error: string;
  code: string;
}

/**
 * The run API, read from the lake: `GET /runs` (the loaded pipelines' runs; filters `status`, `date`,
 * `pipeline`, `limit`), `GET /runs/:runId`, `GET /runs/:runId/quality`. Mount it under `/api`;
 * authentication is the caller's (the server puts it in front of this router).
 */
export function createRunsApi(store: RunStore, registry: PipelineRegistry, logger: Logger): Router {
  const router = Router();

  router.get('/runs', async (req, res) => {
    const query = listQuerySchema.safeParse(req.query);
    if (!query.success) {
      sendError(res, 400, 'BAD_FILTER', describeIssues(query.error));
      return;
    }
    const { limit, ...filter } = query.data;
    if (filter.pipeline !== undefined && !registry.has(filter.pipeline)) {
      const loaded = registry.names.join(', ') || 'none';
      sendError(
        res,
        400,
        'UNKNOWN_PIPELINE',
        `unknown pipeline ${filter.pipeline}; loaded pipelines: ${loaded}`,
      );
      return;
    }
    const records = await store.list(filter);
    const body: RunListBody = { runs: records.slice(0, limit).map(summarize), total: records.length, limit };
    res.json(body);
  });

  /** The record the `:runId` parameter names; answers 400 or 404 itself and returns undefined. */
  const recordOf = async (req: Request, res: Response): Promise<RunRecord | undefined> => {
    const runId = runIdParam(req, res);
    if (runId === undefined) return undefined;
    const record = await store.get(runId);
    if (!record) {
      sendError(res, 404, 'RUN_NOT_FOUND', `no record of run ${runId} (it has not ended, or never existed)`);
    }
    return record;
  };

  router.get('/runs/:runId', async (req, res) => {
    const record = await recordOf(req, res);
    if (record) res.json(record);
  });

  router.get('/runs/:runId/quality', async (req, res) => {
    const record = await recordOf(req, res);
    if (!record) return;
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

function summarize(record: RunRecord): RunSummary {
  return {
    runId: record.runId,
    pipeline: record.pipeline,
    date: record.date,
    suite: record.suite,
    status: record.status,
    enqueuedAt: record.enqueuedAt,
    endedAt: record.endedAt,
    durationMs: record.durationMs,
    errors: record.errors ?? [],
    quality: record.quality
      ? {
          passed: record.quality.passed,
          overallScore: record.quality.overallScore,
          failedChecks: record.quality.failedChecks,
        }
      : null,
    steps: (record.steps ?? []).map((step) => ({
      name: step.name,
      status: step.status,
      durationMs: step.durationMs,
    })),
  };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.join('.');
      // An unknown parameter's name is in `keys`, not in `path`.
      if (issue.code === 'unrecognized_keys')
        return `unknown parameter ${issue.keys.join(', ')} (use status, date, pipeline, limit)`;
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

function sendError(res: Response, status: number, code: string, message: string): void {
  const body: ApiErrorBody = { error: message, code };
  res.status(status).json(body);
}
