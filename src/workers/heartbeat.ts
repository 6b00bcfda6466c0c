import { writeFile } from 'node:fs/promises';
import type { Logger } from '../lib/logger.ts';

/** How often a worker writes its heartbeat file. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** How old a heartbeat may be and still count: three intervals, so one slow PING fails no check. */
export const HEARTBEAT_MAX_AGE_MS = 3 * HEARTBEAT_INTERVAL_MS;

export interface Heartbeat {
  /** PINGs Redis; when it answers within the interval, writes the time to the file. Resolves whether it wrote. */
  beat(): Promise<boolean>;
  /** No more beats; the file stays and grows stale. */
  stop(): void;
}

/**
 * A worker's heartbeat for container health checks: every `intervalMs` the worker PINGs Redis on its
 * own connection and, on an answer, rewrites `file`. So a fresh file says that the worker's event
 * loop turns and that its Redis answers (healthcheck.ts reads the file's age); a worker that cannot
 * do either cannot keep its job locks either. A failed beat is logged and the next one tries again.
 * @param ping a PING on the worker's Redis connection
 */
export function startHeartbeat(
  file: string,
  ping: () => Promise<unknown>,
  logger: Logger,
  intervalMs = HEARTBEAT_INTERVAL_MS,
): Heartbeat {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const beat = async () => {
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timeout = setTimeout(resolve, intervalMs, false);
    });
    const answered = await Promise.race([ping().then(() => true as const), late]).finally(() =>
      clearTimeout(timeout),
    );
    if (answered) await writeFile(file, `${new Date().toISOString()}\n`);
    return answered;
  };
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      beat()
        .then((wrote) => {
          if (!wrote) logger.warn({ file }, 'heartbeat skipped: Redis did not answer PING');
        })
        .catch((error: unknown) => logger.warn({ err: error, file }, 'heartbeat failed'))
        .finally(next);
    }, intervalMs);
    timer.unref(); // the heartbeat never keeps a stopping worker alive
  };
  next();
  return {
    beat,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
