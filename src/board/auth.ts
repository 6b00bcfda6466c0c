import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';

/** The challenge every 401 carries; browsers answer it with their login prompt. */
export const AUTH_CHALLENGE = 'Basic realm="lakeflow"';

/** The credentials the board accepts; `undefined` fields are not accepted at all. */
export interface BoardCredentials {
  basic?: { user: string; password: string };
  token?: string;
}

/** The board's credentials from configuration, or `undefined` when none are configured. */
export function credentialsOf(
  config: Pick<Config, 'BOARD_USER' | 'BOARD_PASSWORD' | 'BOARD_TOKEN'>,
): BoardCredentials | undefined {
  const credentials: BoardCredentials = {};
  if (config.BOARD_USER !== undefined && config.BOARD_PASSWORD !== undefined)
    credentials.basic = { user: config.BOARD_USER, password: config.BOARD_PASSWORD };
  if (config.BOARD_TOKEN !== undefined) credentials.token = config.BOARD_TOKEN;
  return credentials.basic || credentials.token ? credentials : undefined;
}

/**
 * True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1` (also written
 * `[::1]` or as the IPv4-mapped `::ffff:127.x.y.z`). Everything else — `0.0.0.0`, `::`, a LAN address,
 * a host name — may be reachable from the network.
 */
export function isLoopback(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) {
    // WHATWG URL parsing normalises every spelling: `0:0:0:0:0:0:0:1` → `::1`, and an IPv4-mapped
    // 127.a.b.c → `::ffff:7fxx:xxxx`.
    const normalised = new URL(`http://[${bare}]/`).hostname;
    return normalised === '[::1]' || normalised.startsWith('[::ffff:7f');
  }
  return false;
}

/**
 * Refuses to serve an open board to the network: bound to a non-loopback address without credentials,
 * anyone who can reach the port could retry, remove or clean jobs and read every run.
 * @throws ConfigError code `BOARD_UNPROTECTED`, naming the address and the ways out
 */
export function assertSafeBinding(
  config: Pick<Config, 'BOARD_HOST' | 'BOARD_USER' | 'BOARD_PASSWORD' | 'BOARD_TOKEN'>,
): void {
  if (isLoopback(config.BOARD_HOST) || credentialsOf(config)) return;
  throw new ConfigError(
    `refusing to start the board on ${config.BOARD_HOST} without credentials: that address can be ` +
      'reached from other machines. Set BOARD_USER and BOARD_PASSWORD (or BOARD_TOKEN), or bind to ' +
      'a loopback address with BOARD_HOST=127.0.0.1',
    { code: 'BOARD_UNPROTECTED' },
  );
}

/**
 * Whether an `Authorization` header carries accepted credentials: `Basic` with the configured user
 * and password, or `Bearer <BOARD_TOKEN>`. A browser cannot send a bearer token from its login
 * prompt, so `Basic` with the token as password (any user name) is accepted too when a token is set.
 */
export function isAuthorized(header: string | undefined, credentials: BoardCredentials): boolean {
  if (!header) return false;
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') {
    return credentials.token !== undefined && safeEqual(value, credentials.token);
  }
  if (scheme.toLowerCase() !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  // Compare both fields every time (no short-circuit), so timing does not reveal which one was wrong.
  const basicOk = credentials.basic
    ? Number(safeEqual(user, credentials.basic.user)) &
      Number(safeEqual(password, credentials.basic.password))
    : 0;
  const tokenOk = credentials.token !== undefined ? Number(safeEqual(password, credentials.token)) : 0;
  return (basicOk | tokenOk) === 1;
}

/**
 * Constant-time string equality. Hashing first gives both sides the same length, so neither the
 * comparison nor an early length check leaks how long the secret is or how much of it matched.
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Express middleware: passes requests with accepted credentials, answers every other one 401 with
 * the Basic challenge (JSON body, so API clients get a reason). Without credentials configured it
 * passes everything: {@link assertSafeBinding} has already made sure the server is loopback-only then.
 */
export function requireAuth(credentials: BoardCredentials | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!credentials || isAuthorized(req.headers.authorization, credentials)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', AUTH_CHALLENGE)
      .json({ error: 'authentication required', code: 'UNAUTHORIZED' });
  };
}
