import { Redis, type RedisOptions } from 'ioredis';
import { PipelineError } from './errors.ts';

/**
 * How a process uses Redis. Producers fail fast: no offline queue, so a command while Redis is down
 * errors at once instead of hanging, and a command timeout, so a Redis that accepts connections but
 * never answers (overloaded, stopped, a dead peer behind a proxy) fails them too. Workers wait:
 * `maxRetriesPerRequest: null`, as BullMQ requires for blocking connections, and they reconnect forever.
 */
export type RedisRole = 'producer' | 'worker';

/** How long a producer waits for Redis to connect or to answer one command. */
export const PRODUCER_TIMEOUT_MS = 5_000;

/** Opens an ioredis connection for `role` to `url` (`redis://[user:pass@]host:port[/db]`). */
export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: PRODUCER_TIMEOUT_MS,
          commandTimeout: PRODUCER_TIMEOUT_MS,
        }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  return new Redis(url, {
    ...options,
    // Reconnect with a capped backoff; BullMQ workers resume on their own once Redis answers.
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    lazyConnect: false,
    ...extra,
  });
}

/**
 * Resolves when the connection is ready.
 * @throws PipelineError `REDIS_UNAVAILABLE` (retryable) naming the address, when the connection
 * fails or Redis does not answer within `timeoutMs`
 */
export async function waitUntilReady(redis: Redis, timeoutMs = PRODUCER_TIMEOUT_MS): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(unavailable(`Redis at ${redisAddress(redis)} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(unavailable(`cannot reach Redis at ${redisAddress(redis)}: ${error.message}`, error));
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
    };
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}

/** `host:port` of a connection, as messages name it. */
export function redisAddress(redis: Redis): string {
  return `${redis.options.host ?? '127.0.0.1'}:${redis.options.port ?? 6379}`;
}

// What ioredis says when a command cannot reach Redis: no connection and no offline queue, a
// command timeout, a connection closed under the command, retries exhausted, or a socket error.
const CONNECTION_FAILURES =
  /Stream isn't writeable|Command timed out|Connection is closed|max retries per request|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH/i;

/**
 * Maps an error from a Redis command to `REDIS_UNAVAILABLE` naming the address when it is a
 * connection failure (ioredis's own messages do not say which Redis); other errors pass unchanged.
 */
export function asRedisError(error: unknown, redis: Redis): unknown {
  if (error instanceof PipelineError || !(error instanceof Error)) return error;
  if (!CONNECTION_FAILURES.test(`${error.name} ${error.message}`)) return error;
  return unavailable(`Redis at ${redisAddress(redis)} is unavailable: ${error.message}`, error);
}

function unavailable(message: string, cause?: unknown): PipelineError {
  return new PipelineError(message, { code: 'REDIS_UNAVAILABLE', retryable: true, cause });
}
