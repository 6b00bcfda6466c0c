import { Readable } from 'node:stream';
import type { StorageBackend, WriteBody, WrittenObject } from '../../src/lib/lake/storage.ts';

/**
 * A real storage backend whose reads arrive cut into chunks of the given sizes (cycling), so a test
 * can make chunk boundaries fall anywhere: inside a quoted field, between CR and LF, inside a UTF-8
 * character. `[Infinity]` hands every object over as one chunk. Everything else is the backend's.
 */
export class ChunkingStorage implements StorageBackend {
  readonly url: string;

  constructor(
    private readonly inner: StorageBackend,
    private readonly sizes: readonly number[],
  ) {
    this.url = inner.url;
  }

  async getStream(key: string): Promise<Readable> {
    const bytes = await this.inner.get(key);
    const chunks: Buffer[] = [];
    for (let from = 0, i = 0; from < bytes.length; i++) {
      const size = this.sizes[i % this.sizes.length] as number;
      const to = Math.min(bytes.length, from + size);
      chunks.push(bytes.subarray(from, to));
      from = to;
    }
    return Readable.from(chunks, { objectMode: false });
  }

  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }
  put(key: string, data: Uint8Array | string): Promise<WrittenObject> {
    return this.inner.put(key, data);
  }
  putStream(key: string, body: WriteBody, signal?: AbortSignal): Promise<WrittenObject> {
    return this.inner.putStream(key, body, signal);
  }
  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
