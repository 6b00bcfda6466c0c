import { PassThrough, Readable } from 'node:stream';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { abortError } from '../abort.ts';
import { StorageError } from '../errors.ts';
import { type S3ErrorContext, toStorageError } from './s3-errors.ts';
import { chunkBuffer, type WriteBody } from './storage.ts';

/** Byte count and body failure of one stream write, filled in by {@link relay}. */
export interface RelayCounter {
  bytes: number;
  failure: { error: unknown } | undefined;
}

/**
 * Yields the body's chunks as Buffers (without copying), counting bytes and recording a failure of
 * the body itself, so putStream can tell it apart from a failure of S3. An abort wins the race with
 * a body that is slow to produce its next chunk.
 */
export async function* relay(
  body: WriteBody,
  counter: RelayCounter,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  const iterator = (body as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted =
    signal &&
    new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  aborted?.catch(() => undefined); // observed in the race below; never an unhandled rejection
  let ended = false;
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array | string>;
      try {
        next = await (aborted ? Promise.race([iterator.next(), aborted]) : iterator.next());
      } catch (error) {
        // Only errors from the body (or the abort) count as the body's failure. An error thrown in
        // at `yield` comes from the other side: Upload gave up reading (S3 failed), and destroying
        // the stream we feed it throws a premature-close AbortError in here.
        counter.failure = { error };
        throw error;
      }
      if (next.done) {
        ended = true;
        return;
      }
      const buffer = chunkBuffer(next.value);
      counter.bytes += buffer.byteLength;
      yield buffer;
    }
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // Let a generator body run its finally blocks; not awaited, since it may be stuck. A stream body
    // is left to putStream, which destroys it with the real error for its producer to see.
    if (!ended && !(body instanceof Readable)) iterator.return?.()?.catch(() => undefined);
  }
}

/** The body of a GetObject answer: in Node, the HTTP response itself with the SDK's helper methods. */
export function bodyOf(
  response: GetObjectCommandOutput,
): Readable & { transformToByteArray(): Promise<Uint8Array> } {
  const body = response.Body;
  if (!(body instanceof Readable)) {
    throw new StorageError('S3 GetObject returned no readable body', { code: 'STORAGE_IO' });
  }
  return body as Readable & { transformToByteArray(): Promise<Uint8Array> };
}

/**
 * Hands a GetObject body to a consumer through a PassThrough, so that a failure mid-body (a reset,
 * a socket timeout) reaches the consumer as `mapError(error)`, a StorageError naming the object,
 * and a consumer that stops early (destroys the stream) releases the HTTP socket.
 */
export function relayDownload(body: Readable, mapError: (error: unknown) => Error): Readable {
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  // `on`, not `once`: a second 'error' without a listener would crash the process.
  body.on('error', (error) => out.destroy(mapError(error)));
  out.once('close', () => body.destroy());
  body.pipe(out);
  return out;
}

/** A failing body is the caller's error: keep ours and aborts as they are, wrap the rest. */
export function bodyError(error: unknown, context: S3ErrorContext): Error {
  const mapped = toStorageError(error, context);
  if (mapped !== error) {
    const message = error instanceof Error ? error.message : String(error);
    return new StorageError(
      `could not write ${context.objectKey} to bucket "${context.bucket}": ${message}`,
      {
        code: 'STORAGE_IO',
        cause: error,
        ...(context.lakeKey !== undefined ? { location: { key: context.lakeKey } } : {}),
      },
    );
  }
  return mapped;
}
