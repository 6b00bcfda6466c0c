import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../lib/config.ts';
import { loadPipelines, type PipelineRegistry } from '../lib/definition/registry.ts';
import { errorMessage } from '../lib/errors.ts';
import type { DataLake } from '../lib/lake/data-lake.ts';
import { openLake } from '../lib/lake/open-lake.ts';
import { type Logger, logger as processLogger } from '../lib/logger.ts';
import { closeQueues, openQueues } from '../lib/pipeline/queues.ts';
import { createRedis, waitUntilReady } from '../lib/redis.ts';
import { createShutdown, type ShutdownStep } from '../workers/shutdown.ts';
import { assertSafeBinding, credentialsOf, requireAuth } from './auth.ts';
import { createBullBoardRouter } from './bull-board.ts';
import { type BoardMetrics, createBoardMetrics } from './metrics.ts';
import { createReportPages } from './report-pages.ts';
import { RunStore } from './run-store.ts';
import { createRunsApi } from './runs-api.ts';

/** Where Bull Board is mounted; `/` redirects there. */
export const BOARD_PATH = '/board';
/** A Redis that does not answer PING within this long is reported down by `/healthz`. */
const HEALTH_TIMEOUT_MS = 2_000;

/** Optional collaborators; whatever is not given, the server opens itself and closes on stop. */
export interface BoardDeps {
  logger?: Logger;
  /** A producer-role connection to use (the caller keeps ownership and closes it). */
  connection?: Redis;
  /** The lake to read runs from (the caller keeps ownership). */
  lake?: DataLake;
  /** The pipelines whose runs are listed and labelled; default those loaded from PIPELINES_DIR. */
  registry?: PipelineRegistry;
  /** How long the run metrics reuse a listing of the run records. Default 10 000 ms. */
  runCountTtlMs?: number;
  /** Called when stop() exceeds SHUTDOWN_TIMEOUT_MS (the entry point exits). */
  onShutdownTimeout?: () => void;
}

/** A board server: the express app (usable with any HTTP server) plus listen and shutdown. */
export interface BoardServer {
  app: Express;
  /** Listens on BOARD_HOST:BOARD_PORT (port 0 picks a free one); resolves with the base URL. */
  start(): Promise<string>;
  /** The base URL once started, e.g. `http://127.0.0.1:3000`. */
  readonly url: string | undefined;
  /** Idempotent; resolves `true` when everything closed cleanly. */
  stop(): Promise<boolean>;
  /** The metrics behind `/metrics` (its `events` tell when a job end has been counted). */
  metrics: BoardMetrics;
}

/**
 * Builds the board: Bull Board at `/board`, the run API at `/api`, `/metrics`, and `/healthz`.
 * Everything but `/healthz` sits behind the configured credentials. Checks the binding and loads the
 * pipelines first and connects to Redis before returning, so a bad setup fails here, not on the first
 * request.
 * @throws ConfigError `BOARD_UNPROTECTED` for a non-loopback BOARD_HOST without credentials
 * @throws ConfigError `DEFINITION_INVALID` naming the file and the problem, `PIPELINES_DIR_MISSING`
 * @throws Error naming the address when Redis does not answer
 */
export async function createBoardServer(config: Config, deps: BoardDeps = {}): Promise<BoardServer> {
  assertSafeBinding(config);
  const registry = deps.registry ?? (await loadPipelines(config.PIPELINES_DIR));
  const logger = deps.logger ?? processLogger;
  // What this server opened itself, closed in reverse order if building fails half-way.
  const opened: ShutdownStep[] = [];
  try {
    let connection = deps.connection;
    if (!connection) {
      const own = createRedis(config.REDIS_URL, 'producer');
      own.on('error', (error) => logger.warn({ err: errorMessage(error) }, 'board redis error'));
      opened.push({
        name: 'redis',
        // quit() lets pending replies arrive; if Redis is already gone it fails, and disconnect() then
        // stops the reconnect loop that would otherwise keep the process alive.
        close: async () => {
          try {
            await own.quit();
          } finally {
            own.disconnect();
          }
        },
      });
      await waitUntilReady(own);
      connection = own;
    }
    let lake = deps.lake;
    if (!lake) {
      const own = await openLake(config);
      opened.push({ name: 'lake', close: () => own.storage.close() });
      lake = own;
    }
    const queues = openQueues(connection, config.QUEUE_PREFIX);
    opened.push({ name: 'queues', close: () => closeQueues(queues) });
    const runs = new RunStore(lake, registry.names, logger, {
      countTtlMs: deps.runCountTtlMs ?? 10_000,
      queues,
    });
    const metrics = createBoardMetrics({
      queues,
      runs,
      lake,
      listIntervalMs: deps.runCountTtlMs ?? 10_000,
      redisUrl: config.REDIS_URL,
      prefix: config.QUEUE_PREFIX,
      logger,
      definitions: registry,
    });
    opened.push({ name: 'metrics', close: () => metrics.close() });
    await metrics.start();

    const app = express();
    app.disable('x-powered-by');
    const redis = connection;
    app.get('/healthz', async (_req, res) => {
      res.set('Cache-Control', 'no-store');
      try {
        await withTimeout(redis.ping(), HEALTH_TIMEOUT_MS, 'PING timed out');
        res.json({ redis: 'ok' });
      } catch (error) {
        res.status(503).json({ redis: 'unreachable', error: errorMessage(error) });
      }
    });
    // Everything below needs credentials (when any are configured).
    app.use(requireAuth(credentialsOf(config)));
    app.get('/', (_req, res) => res.redirect(302, `${BOARD_PATH}/`));
    app.get('/metrics', async (_req, res) => {
      try {
        const text = await metrics.scrape();
        res.set('Content-Type', metrics.registry.contentType).send(text);
      } catch (error) {
        // A failed scrape shows as `up == 0` in Prometheus; a partial one would hide the outage.
        logger.warn({ err: errorMessage(error) }, 'metrics scrape failed');
        res
          .status(503)
          .type('text/plain')
          .send(`metrics unavailable: ${errorMessage(error)}\n`);
      }
    });
    app.use('/api', createRunsApi(runs, registry, logger));
    app.use(
      '/runs',
      createReportPages({ store: runs, lake, pipelines: registry.names, logger, boardPath: BOARD_PATH }),
    );
    app.use(
      BOARD_PATH,
      createBullBoardRouter(queues, {
        basePath: BOARD_PATH,
        readOnly: config.BOARD_READ_ONLY,
        links: [
          { text: 'Runs', url: '/runs' },
          { text: 'Runs (JSON)', url: '/api/runs' },
        ],
      }),
    );
    return listenable(app, metrics, config, logger, opened.reverse(), deps.onShutdownTimeout);
  } catch (error) {
    // Half-built: release what was opened, newest first, then report the original failure.
    for (const step of opened.reverse()) await step.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Adds listen and stop to the app. `closers` are newest first: metrics (QueueEvents), queues, lake,
 * Redis. The board has no workers to drain; HTTP closes right after the event listeners and before
 * the queues and Redis (unlike a worker's health server), because requests in flight need them.
 */
function listenable(
  app: Express,
  metrics: BoardMetrics,
  config: Config,
  logger: Logger,
  closers: ShutdownStep[],
  onTimeout: (() => void) | undefined,
): BoardServer {
  let server: Server | undefined;
  let url: string | undefined;
  const httpStep: ShutdownStep = {
    name: 'http',
    close: async () => {
      if (!server?.listening) return;
      const closed = once(server, 'close');
      server.close();
      // Keep-alive sockets (the board's UI polls) would otherwise hold close() open until they time out.
      server.closeIdleConnections();
      await closed;
    },
  };
  const [events, ...others] = closers;
  const stop = createShutdown({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    ...(onTimeout ? { onTimeout } : {}),
    steps: [...(events ? [events] : []), httpStep, ...others],
  });
  return {
    app,
    metrics,
    get url() {
      return url;
    },
    async start() {
      if (url) return url;
      const listening = createServer(app);
      listening.listen(config.BOARD_PORT, config.BOARD_HOST);
      await once(listening, 'listening'); // rejects on 'error' (EADDRINUSE, EACCES)
      server = listening;
      const { address, port } = listening.address() as AddressInfo;
      url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
      return url;
    },
    stop,
  };
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
