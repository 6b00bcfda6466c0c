/** An `AbortError` (name and code as Node's own) whose cause is the signal's reason, as `stream.pipeline` rejects. */
export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

/**
 * `work`, or a rejection as soon as `signal` aborts, even if the work ignores the signal (a stuck call
 * must not hold its caller). The rejection is `reasonOf(signal)`, by default the signal's reason; the
 * work's own later rejection is then observed and dropped. Without a signal, `work` itself.
 */
export function abortable<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  reasonOf: (signal: AbortSignal) => unknown = (aborted) => aborted.reason,
): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(reasonOf(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reasonOf(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
