/** Progress timing; see {@link throttleProgress}. */
export interface ProgressTiming {
  /** Nothing is written until the step has run this long (ms); default 50. */
  quietMs?: number;
  /** The minimum time between two writes within a stage (ms); default 250. */
  intervalMs?: number;
  /** The clock, in ms; default `performance.now` (tests pass their own). */
  now?: () => number;
}

/**
 * Returns a fire-and-forget progress reporter for one job. Nothing is written in the step's first
 * `quietMs` (a notebook-size step ends sooner and costs no progress writes); after that a value is
 * written when it names a new `stage`, else at most one per `intervalMs` (values in between are
 * dropped). So a streaming step's per-batch reports cost a few Redis writes a second instead of one
 * per batch (about 4,000 per million rows otherwise, each a script call and a queue event), and the
 * board sees each stage of a longer step begin. A failed write goes to `onError` and never fails the
 * step.
 * @param send writes one value (BullMQ's `job.updateProgress`)
 */
export function throttleProgress<T extends number | object>(
  send: (value: T) => Promise<unknown>,
  onError: (error: unknown) => void,
  { quietMs = 50, intervalMs = 250, now = () => performance.now() }: ProgressTiming = {},
): (value: T) => void {
  const startedAt = now();
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let lastStage: unknown;
  return (value) => {
    const at = now();
    if (at - startedAt < quietMs) return;
    const stage = typeof value === 'object' ? (value as { stage?: unknown }).stage : undefined;
    if (stage === lastStage && at - lastSentAt < intervalMs) return;
    lastSentAt = at;
    lastStage = stage;
    send(value).catch(onError);
  };
}
