import type { Logger } from '../lib/logger.ts';

/** One resource to release on shutdown, in order. */
export interface ShutdownStep {
  name: string;
  close: () => Promise<unknown>;
}

export interface ShutdownOptions {
  steps: ShutdownStep[];
  /** After this long the remaining steps are abandoned and `onTimeout` runs. */
  timeoutMs: number;
  logger: Logger;
  onTimeout?: () => void;
}

/**
 * Returns one idempotent `shutdown()`: runs every step in order (workers, then queues, then Redis,
 * then the HTTP server), attempting each even if an earlier one fails, within a timeout. Calling it
 * again returns the same promise. Resolves `true` when every step closed cleanly.
 */
export function createShutdown({
  steps,
  timeoutMs,
  logger,
  onTimeout,
}: ShutdownOptions): () => Promise<boolean> {
  let running: Promise<boolean> | undefined;
  return () => {
    running ??= (async () => {
      let clean = true;
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown timed out');
        onTimeout?.();
      }, timeoutMs);
      timer.unref();
      for (const step of steps) {
        try {
          await step.close();
          logger.debug({ step: step.name }, 'closed');
        } catch (error) {
          clean = false;
          logger.error({ err: error, step: step.name }, 'could not close cleanly');
        }
      }
      clearTimeout(timer);
      return clean;
    })();
    return running;
  };
}

/**
 * Whether npm runs this process as its script `script` (`npm run worker`, whose `exec` makes node
 * npm's own child). npm forwards every SIGINT and SIGTERM it gets to that child, and a terminal's
 * Ctrl-C (sent to the whole foreground process group) or systemd's stop (sent to every process of the
 * unit) reaches node directly as well: one stop request then arrives twice.
 */
export function runByNpm(script: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_lifecycle_event === script;
}

/**
 * SIGTERM/SIGINT start `shutdown` and exit with its outcome; the next signal forces exit at once.
 * The timeout inside `shutdown` forces exit too (see {@link createShutdown}'s `onTimeout`).
 * @param options.runByNpm a second signal may be the first one forwarded by npm ({@link runByNpm}),
 * so it is taken as the same request and a third one forces exit (a second Ctrl-C sends two more)
 */
export function exitOnSignals(
  shutdown: () => Promise<boolean>,
  logger: Logger,
  options: { runByNpm?: boolean } = {},
): void {
  const forcing = options.runByNpm ? 3 : 2;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals >= forcing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    if (signals > 1) {
      logger.info(
        { signal },
        'signal again, taken as the same request (npm forwards it too): send again to force',
      );
      return;
    }
    logger.info({ signal }, 'shutting down: finishing in-flight jobs (send again to force)');
    void shutdown().then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
