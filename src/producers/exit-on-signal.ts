import { constants } from 'node:os';

/**
 * Exits on SIGTERM or SIGINT as the default action would, with 128 + the signal's number. A node
 * process that is a container's PID 1 (`docker run` without `--init`, a Kubernetes pod) gets no
 * default action: without a handler it would ignore both, and the command could not be stopped.
 */
export function exitOnSignal(): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => process.exit(128 + constants.signals[signal]));
  }
}
