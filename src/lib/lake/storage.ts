import type { Readable } from 'node:stream';

/** What a streaming write reports once the object is in place. */
export interface WrittenObject {
  key: string;
  bytes: number;
}

/** Bytes for a streaming write: a Node stream or any async iterable of chunks. */
export type WriteBody = Readable | AsyncIterable<Uint8Array | string>;

/**
 * Bytes per read of a local file (lake objects and `file` inputs). Each read is a new off-heap buffer;
 * a larger one waits in the stream while rows are parsed from the one before, outlives young
 * collections, and then only a full collection frees it. 64 KB reads made a third fewer full
 * collections than 256 KB ones and lowered peak RSS by about 10 MB (docs/performance.md).
 */
export const FILE_READ_BYTES = 64 * 1024;

/** A chunk of a {@link WriteBody} as a Buffer (a view, not a copy, of a Uint8Array). */
export function chunkBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk);
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * The storage contract every lake backend keeps (local directory, S3). Keys are validated by the
 * backend (see `assertValidKey`); a missing object is a non-retryable `StorageError` with code
 * `NOT_FOUND`; writes are atomic: a reader sees the old object or the new one, never a torn one.
 */
export interface StorageBackend {
  /** Where the lake is, as a URL (`file:///…`, `s3://bucket/prefix`), for logs and messages. */
  readonly url: string;
  /** Reads a whole object. */
  get(key: string): Promise<Buffer>;
  /** Writes a whole object atomically, replacing any object at that key. */
  put(key: string, data: Uint8Array | string): Promise<WrittenObject>;
  /** Writes a stream atomically; if the body errors, nothing is written and any old object stays. */
  putStream(key: string, body: WriteBody, signal?: AbortSignal): Promise<WrittenObject>;
  /** Opens an object for streaming reads. */
  getStream(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Every key starting with `prefix` (plain string prefix, as S3), sorted by code point. */
  list(prefix: string): Promise<string[]>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Releases clients and sockets. */
  close(): Promise<void>;
}
