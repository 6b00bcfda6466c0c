import { Redis, type RedisOptions } from 'ioredis';

/**
 * How a process uses Redis. Producers fail fast: no offline queue, so a command while Redis is down
 * errors at once instead of hanging. Workers wait: `maxRetriesPerRequest: null`, as BullMQ requires
 * for blocking connections, and they reconnect forever.
 */
export type RedisRole = 'producer' | 'worker';

/** Opens an ioredis connection for `role` to `url` (`redis://[user:pass@]host:port[/db]`). */
export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5_000 }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  return new Redis(url, {
    ...options,
    // Reconnect with a capped backoff; BullMQ workers resume on their own once Redis answers.
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    lazyConnect: false,
    ...extra,
  });
}

/** Resolves when the connection is ready; rejects with the connection error otherwise. */
export async function waitUntilReady(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not answer within ${timeoutMs} ms (${describe(redis)})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new Error(`cannot reach Redis at ${describe(redis)}: ${error.message}`, { cause: error }));
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

function describe(redis: Redis): string {
  return `${redis.options.host ?? '127.0.0.1'}:${redis.options.port ?? 6379}`;
}
