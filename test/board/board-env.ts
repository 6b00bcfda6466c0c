import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { type BoardDeps, type BoardServer, createBoardServer } from '../../src/board/server.ts';
import { type Config, loadConfig } from '../../src/lib/config.ts';
import type { DataLake } from '../../src/lib/lake/data-lake.ts';
import { openLake } from '../../src/lib/lake/open-lake.ts';
import { deletePrefix, REDIS_URL } from '../helpers/pipeline-env.ts';
import { REPO_PIPELINES } from '../helpers/test-pipelines.ts';

export const USER = 'operator';
export const PASSWORD = 'correct horse battery staple';
export const TOKEN = 'tok_0123456789abcdef0123';

/** Tests expect 401s, 404s and 503s; their log lines would only be noise. */
const silent = pino({ level: 'silent' });

/** Who a request claims to be. */
export type As = 'nobody' | 'basic' | 'bearer' | { user: string; password: string } | { token: string };

/** A board server on port 0 with its own queue prefix and lake (or a pipeline env's). */
export interface BoardEnv {
  config: Config;
  board: BoardServer;
  url: string;
  /** The board's lake, for writing fixtures. */
  lake: DataLake;
  /** `fetch` against the board, authenticated as `as` (default: basic auth with the right password). */
  request(pathname: string, options?: { as?: As; method?: string; body?: unknown }): Promise<Response>;
  /** Like {@link request} for a JSON answer: status and parsed body. */
  json<T = unknown>(
    pathname: string,
    options?: { as?: As; method?: string },
  ): Promise<{ status: number; body: T }>;
  /** Stops the board; removes the prefix's keys and the lake unless they belong to a pipeline env. */
  close(): Promise<void>;
}

/**
 * Starts a board for one test. With `config` (a pipeline env's), it shares that prefix and lake and
 * leaves their cleanup to the pipeline env; otherwise it makes and removes its own.
 */
export async function startBoard(
  options: { config?: Config; env?: Record<string, string>; deps?: BoardDeps } = {},
): Promise<BoardEnv> {
  const own = options.config === undefined;
  const lakeDir = own ? await mkdtemp(path.join(tmpdir(), 'lakeflow-board-')) : undefined;
  const base: Record<string, string> = options.config
    ? { QUEUE_PREFIX: options.config.QUEUE_PREFIX, LAKE_URL: options.config.LAKE_URL }
    : { QUEUE_PREFIX: `test-board-${randomBytes(5).toString('hex')}`, LAKE_URL: lakeDir as string };
  const config = loadConfig({
    REDIS_URL,
    LOG_LEVEL: 'silent',
    BOARD_PORT: '0',
    BOARD_USER: USER,
    BOARD_PASSWORD: PASSWORD,
    BOARD_TOKEN: TOKEN,
    PIPELINES_DIR: REPO_PIPELINES,
    ...base,
    ...options.env,
  });
  const lake = await openLake(config);
  let board: BoardServer;
  try {
    board = await createBoardServer(config, { logger: silent, ...options.deps });
  } catch (error) {
    await cleanup();
    throw error;
  }
  const url = await board.start();

  async function cleanup(): Promise<void> {
    await lake.storage.close();
    if (!own) return;
    await deletePrefix(config.QUEUE_PREFIX);
    if (lakeDir) await rm(lakeDir, { recursive: true, force: true });
  }

  const request: BoardEnv['request'] = (pathname, { as = 'basic', method = 'GET', body } = {}) => {
    const headers: Record<string, string> = {};
    const authorization = authorizationOf(as);
    if (authorization) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${url}${pathname}`, {
      method,
      headers,
      redirect: 'manual',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  };

  return {
    config,
    board,
    url,
    lake,
    request,
    async json(pathname, options) {
      const response = await request(pathname, options);
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    async close() {
      await board.stop();
      await cleanup();
    },
  };
}

/** The `Authorization` header for `as`, or undefined for nobody. */
export function authorizationOf(as: As): string | undefined {
  if (as === 'nobody') return undefined;
  if (as === 'bearer') return `Bearer ${TOKEN}`;
  const basic = as === 'basic' ? { user: USER, password: PASSWORD } : as;
  if ('token' in basic) return `Bearer ${basic.token}`;
  return `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}`;
}
