import { createWriteStream } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AsyncBuffer } from 'hyparquet';
import { StorageError } from '../errors.ts';
import { assertValidKey } from './keys.ts';
import type { LocalStorage } from './local-storage.ts';
import type { StorageBackend } from './storage.ts';

// Where the Parquet reader's bytes come from: a file read by ranges (hyparquet reads the footer, then
// each row group's column chunks), in place for a local lake or a local input file, or a spooled copy
// of an object of a backend without range reads (S3).

/** A Parquet object opened for reading ranges; `close` releases it. */
export interface ParquetSource extends AsyncBuffer {
  close(): Promise<void>;
}

/** A local lake's file, read by ranges through one file handle. */
export async function openLocal(storage: LocalStorage, key: string): Promise<ParquetSource> {
  const file = path.join(storage.root, ...assertValidKey(key).split('/'));
  const handle = await open(file, 'r').catch((error: unknown) => {
    const missing = (error as NodeJS.ErrnoException)?.code === 'ENOENT';
    throw new StorageError(
      missing
        ? `object not found: ${key} in ${storage.url}`
        : `could not read ${key} in ${storage.url}: ${(error as Error).message}`,
      { code: missing ? 'NOT_FOUND' : 'STORAGE_IO', retryable: !missing, cause: error, location: { key } },
    );
  });
  return fileSource(handle, async () => undefined);
}

/** Streams an object to a temporary file and reads that by ranges; closing removes it. */
export async function spool(storage: StorageBackend, key: string): Promise<ParquetSource> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-parquet-'));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    const file = path.join(dir, 'object.parquet');
    await pipeline(await storage.getStream(key), createWriteStream(file));
    return fileSource(await open(file, 'r'), removeDir);
  } catch (error) {
    await removeDir();
    throw error;
  }
}

/**
 * A file open for reading as a {@link ParquetSource}, read by ranges through its handle; closing it
 * closes the handle, then runs `after` (which removes a spooled copy). The handle is closed on error.
 */
export async function fileSource(handle: FileHandle, after: () => Promise<void>): Promise<ParquetSource> {
  let byteLength: number;
  try {
    byteLength = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    await after();
    throw error;
  }
  return {
    byteLength,
    async slice(start: number, end = byteLength): Promise<ArrayBuffer> {
      const length = Math.max(0, Math.min(end, byteLength) - start);
      const buffer = new ArrayBuffer(length);
      const bytes = new Uint8Array(buffer);
      for (let done = 0; done < length; ) {
        const { bytesRead } = await handle.read(bytes, done, length - done, start + done);
        if (bytesRead === 0) throw new Error(`the file ended at ${start + done} bytes, ${end} expected`);
        done += bytesRead;
      }
      return buffer;
    },
    async close() {
      await handle.close().catch(() => undefined);
      await after();
    },
  };
}
