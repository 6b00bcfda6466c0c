import { UnrecoverableError } from 'bullmq';
import { errorMessage, isPermanent, PipelineError } from '../lib/errors.ts';

/**
 * How the product's errors become BullMQ's, in one place: which failures are final, which are retried,
 * and what BullMQ records as the failed reason. (Here, not in lib/errors.ts, so that only workers load
 * BullMQ for it.)
 */

/** `CODE: message` for the product's errors (codes are what operators and tests match on). */
export function describeFailure(error: unknown): string {
  return error instanceof PipelineError ? `${error.code}: ${error.message}` : errorMessage(error);
}

/**
 * Whether this failure is the job's last: a permanent error (never retried), or any error on the last
 * of its attempts.
 * @param attempt this attempt, 1-based
 * @param attempts the job's attempts (BullMQ's `opts.attempts`, default 1)
 */
export function isFinalFailure(error: unknown, attempt: number, attempts = 1): boolean {
  return isPermanent(error) || attempt >= attempts;
}

/**
 * Maps an error to what BullMQ should see: a permanent error becomes `UnrecoverableError` (no retries),
 * keeping the original as `cause` and its code in the message; others pass through unchanged.
 */
export function toJobError(error: unknown): Error {
  if (error instanceof UnrecoverableError) return error;
  if (isPermanent(error)) {
    const original = error as PipelineError;
    const unrecoverable = new UnrecoverableError(`${original.code}: ${original.message}`);
    (unrecoverable as Error).cause = original;
    return unrecoverable;
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * What a processor throws to BullMQ: {@link toJobError}, and a retryable error of ours gets its code in
 * front too, so a step that failed after its retries (a timeout, a storage error) shows its code as a
 * permanent failure does.
 */
export function toJobErrorWithCode(error: unknown): Error {
  const mapped = toJobError(error);
  if (mapped !== error || !(error instanceof PipelineError)) return mapped;
  const coded = new Error(describeFailure(error), { cause: error });
  coded.name = error.name;
  return coded;
}
