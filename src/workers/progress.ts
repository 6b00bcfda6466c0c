/** How often a step may write its progress to Redis, at most (ms). */
export const PROGRESS_INTERVAL_MS = 250;

/**
 * Returns a fire-and-forget progress reporter for one job. A value is sent at once when it is the first
 * or names a new `stage`; within a stage, at most one per `intervalMs` (values in between are dropped).
 * So a streaming step's per-batch reports cost a few Redis writes a second instead of one per batch
 * (about 4,000 per million rows otherwise, each a script call and a queue event), and the board still
 * sees every stage begin. A failed write goes to `onError` and never fails the step.
 * @param send writes one value (BullMQ's `job.updateProgress`)
 * @param intervalMs the minimum time between writes within a stage; default {@link PROGRESS_INTERVAL_MS}
 */
export function throttleProgress<T extends number | object>(
  send: (value: T) => Promise<unknown>,
  onError: (error: unknown) => void,
  intervalMs = PROGRESS_INTERVAL_MS,
): (value: T) => void {
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let lastStage: unknown;
  return (value) => {
    const now = performance.now();
    const stage = typeof value === 'object' ? (value as { stage?: unknown }).stage : undefined;
    if (stage === lastStage && now - lastSentAt < intervalMs) return;
    lastSentAt = now;
    lastStage = stage;
    send(value).catch(onError);
  };
}
