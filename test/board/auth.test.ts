import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH_CHALLENGE,
  assertSafeBinding,
  credentialsOf,
  isAuthorized,
  isLoopback,
  safeEqual,
} from '../../src/board/auth.ts';
import { createBoardServer } from '../../src/board/server.ts';
import { loadConfig } from '../../src/lib/config.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { type BoardEnv, PASSWORD, startBoard, TOKEN, USER } from './board-env.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('isLoopback', () => {
  it.each([
    '127.0.0.1',
    '127.4.5.6',
    'localhost',
    'LOCALHOST',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
  ])('%s is loopback', (host) => expect(isLoopback(host)).toBe(true));
  it.each(['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'board.example.com', '::ffff:10.0.0.1', '128.0.0.1'])(
    '%s is not',
    (host) => expect(isLoopback(host)).toBe(false),
  );
});

describe('isAuthorized', () => {
  const both = credentialsOf({ BOARD_USER: USER, BOARD_PASSWORD: PASSWORD, BOARD_TOKEN: TOKEN });
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('accepts the right user and password, the token as bearer, or the token as a basic password', () => {
    expect(both).toBeDefined();
    if (!both) return;
    expect(isAuthorized(basic(USER, PASSWORD), both)).toBe(true);
    expect(isAuthorized(`Bearer ${TOKEN}`, both)).toBe(true);
    expect(isAuthorized(`bearer   ${TOKEN}`, both)).toBe(true);
    expect(isAuthorized(basic('anyone', TOKEN), both)).toBe(true);
  });

  it('refuses everything else', () => {
    if (!both) throw new Error('credentials expected');
    for (const header of [
      undefined,
      '',
      basic(USER, 'wrong'),
      basic('someone', PASSWORD),
      basic(USER, `${PASSWORD}x`),
      `Bearer ${TOKEN}x`,
      `Bearer ${PASSWORD}`,
      `Token ${TOKEN}`,
      'Basic !!!not-base64',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
    ])
      expect(isAuthorized(header, both), String(header)).toBe(false);
  });

  it('without a token configured, a bearer header is refused', () => {
    const basicOnly = credentialsOf({ BOARD_USER: USER, BOARD_PASSWORD: PASSWORD, BOARD_TOKEN: undefined });
    if (!basicOnly) throw new Error('credentials expected');
    expect(isAuthorized(`Bearer ${TOKEN}`, basicOnly)).toBe(false);
  });

  it('safeEqual compares strings of any length', () => {
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});

describe('refusing an unprotected public board', () => {
  it('throws a ConfigError naming the address and the fix, before touching Redis', async () => {
    // Nothing listens on port 1: had the check come after connecting, this would be a Redis error.
    const config = loadConfig({ BOARD_HOST: '0.0.0.0', REDIS_URL: 'redis://127.0.0.1:1' });
    expect(() => assertSafeBinding(config)).toThrow(ConfigError);
    const error = await createBoardServer(config).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('BOARD_UNPROTECTED');
    expect((error as ConfigError).message).toMatch(
      /0\.0\.0\.0 without credentials.*BOARD_USER.*BOARD_TOKEN/s,
    );
  });

  it('npm run board exits 2 with the reason on stderr', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/board/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, BOARD_HOST: '0.0.0.0', BOARD_PORT: '0', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('refusing to start the board on 0.0.0.0 without credentials');
  });

  it('starts on 0.0.0.0 when credentials are set, and asks for them', async () => {
    const env = await startBoard({ env: { BOARD_HOST: '0.0.0.0' } });
    try {
      expect(env.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      expect((await env.request('/api/runs', { as: 'nobody' })).status).toBe(401);
      expect((await env.request('/api/runs')).status).toBe(200);
    } finally {
      await env.close();
    }
  });
});

describe('access to a board with credentials', () => {
  let env: BoardEnv;
  beforeAll(async () => {
    env = await startBoard();
  });
  afterAll(async () => {
    await env?.close();
  });

  const guarded = ['/', '/board/', '/board/api/queues', '/api/runs', '/api/runs/x-2024-01-01', '/metrics'];

  it.each(guarded)('%s without credentials: 401 with the Basic challenge', async (pathname) => {
    const response = await env.request(pathname, { as: 'nobody' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(AUTH_CHALLENGE);
    expect(AUTH_CHALLENGE).toBe('Basic realm="lakeflow"');
    expect(await response.json()).toEqual({ error: 'authentication required', code: 'UNAUTHORIZED' });
  });

  it.each([
    ['a wrong password', { user: USER, password: 'nope' }],
    ['a wrong user', { user: 'mallory', password: PASSWORD }],
    ['a wrong token', { token: 'tok_wrong_wrong_wrong_wrong' }],
  ] as const)('with %s: 401', async (_what, as) => {
    for (const pathname of ['/board/', '/api/runs', '/metrics']) {
      const response = await env.request(pathname, { as });
      expect(response.status, pathname).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(AUTH_CHALLENGE);
    }
  });

  it('basic auth and the bearer token both open every route', async () => {
    for (const as of ['basic', 'bearer'] as const) {
      const board = await env.request('/board/', { as });
      expect(board.status, as).toBe(200);
      expect(await board.text()).toContain('<title>lakeflow</title>');
      expect((await env.request('/board/api/queues', { as })).status).toBe(200);
      expect((await env.request('/api/runs', { as })).status).toBe(200);
      expect((await env.request('/metrics', { as })).status).toBe(200);
    }
  });

  it('/ redirects to the board', async () => {
    const response = await env.request('/');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/board/');
  });

  it('/healthz answers without credentials', async () => {
    expect(await env.json('/healthz', { as: 'nobody' })).toEqual({ status: 200, body: { redis: 'ok' } });
  });
});

describe('a loopback board without credentials', () => {
  it('serves everything without asking', async () => {
    const env = await startBoard({ env: { BOARD_USER: '', BOARD_PASSWORD: '', BOARD_TOKEN: '' } });
    try {
      expect(credentialsOf(env.config)).toBeUndefined();
      expect((await env.request('/api/runs', { as: 'nobody' })).status).toBe(200);
      expect((await env.request('/board/', { as: 'nobody' })).status).toBe(200);
    } finally {
      await env.close();
    }
  });
});
