import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../src/lib/lake/storage.ts';

/**
 * Makes a fresh, empty lake for one test. Called before every test; the suite closes it after.
 * Backends that share a server (S3) give each call its own bucket or key prefix.
 */
export type StorageFactory = () => Promise<StorageBackend> | StorageBackend;

const MIB = 1024 * 1024;

/**
 * The promises every {@link StorageBackend} keeps, as one suite run against each backend
 * (test/lake/local-storage.test.ts, test/lake/s3-storage.test.ts). Streams are sized so that an S3
 * backend with a 5 MiB part size takes the multipart path.
 */
export function describeStorageContract(name: string, factory: StorageFactory): void {
  describe(`storage contract: ${name}`, () => {
    let storage: StorageBackend;
    beforeEach(async () => {
      storage = await factory();
    });
    afterEach(async () => {
      await storage.close();
    });

    describe('put and get', () => {
      it('round-trips binary data byte for byte', async () => {
        const data = Buffer.concat([
          Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
          randomBytes(64_000),
        ]);
        expect(await storage.put('bin/all-bytes.bin', data)).toEqual({
          key: 'bin/all-bytes.bin',
          bytes: data.length,
        });
        expect((await storage.get('bin/all-bytes.bin')).equals(data)).toBe(true);
      });

      it('round-trips UTF-8 text, counting bytes not characters', async () => {
        const text = 'id,name\n1,Café ✓ 🚀\n';
        expect(await storage.put('text/utf8.csv', text)).toEqual({
          key: 'text/utf8.csv',
          bytes: Buffer.byteLength(text),
        });
        expect((await storage.get('text/utf8.csv')).toString('utf8')).toBe(text);
      });

      it('stores an empty object', async () => {
        await storage.put('empty.txt', '');
        expect((await storage.get('empty.txt')).length).toBe(0);
        expect(await storage.exists('empty.txt')).toBe(true);
      });

      it('overwrites an object whole', async () => {
        await storage.put('runs/r1.json', '{"status":"running","padding":"xxxxxxxxxxxxxxxx"}');
        await storage.put('runs/r1.json', '{"status":"success"}');
        expect((await storage.get('runs/r1.json')).toString()).toBe('{"status":"success"}');
        expect(await storage.list('runs/')).toEqual(['runs/r1.json']);
      });

      it('rejects get of a missing key with a non-retryable NOT_FOUND naming the key', async () => {
        const error = await storage.get('landing/missing/x.csv').catch((caught: unknown) => caught);
        expect(error).toMatchObject({ name: 'StorageError', code: 'NOT_FOUND', retryable: false });
        expect((error as Error).message).toContain('landing/missing/x.csv');
      });

      it('rejects getStream of a missing key with NOT_FOUND before any reading', async () => {
        await expect(storage.getStream('landing/missing/x.csv')).rejects.toMatchObject({
          name: 'StorageError',
          code: 'NOT_FOUND',
          retryable: false,
        });
      });
    });

    describe('exists and delete', () => {
      it('tells objects from missing keys and from "directories"', async () => {
        expect(await storage.exists('landing/a/x.csv')).toBe(false);
        await storage.put('landing/a/x.csv', 'x');
        expect(await storage.exists('landing/a/x.csv')).toBe(true);
        expect(await storage.exists('landing/a')).toBe(false);
        expect(await storage.exists('landing/a/x')).toBe(false);
      });

      it('deletes an object, and deleting a missing key is not an error', async () => {
        await storage.put('tmp/x.txt', 'x');
        await storage.delete('tmp/x.txt');
        expect(await storage.exists('tmp/x.txt')).toBe(false);
        await expect(storage.get('tmp/x.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
        await expect(storage.delete('tmp/x.txt')).resolves.toBeUndefined();
        await expect(storage.delete('never/was.txt')).resolves.toBeUndefined();
      });
    });

    describe('list', () => {
      // Code-point order, spelled out: '-' < '/', 'Z' < 'a', 'é' after ASCII, '.' < 'e'.
      const sorted = [
        'landing-notes.txt',
        'landing/Zeta.csv',
        'landing/alpha.csv',
        'landing/café.csv',
        'landing/custom.csv',
        'landing/customers/date=2024-01-01/customers.csv',
        'landing/customers/date=2024-01-02/a b+c.csv',
        'landing/transactions/date=2024-01-01/transactions.csv',
        'runs/r1.json',
      ];

      beforeEach(async () => {
        for (const key of [...sorted].reverse()) await storage.put(key, key);
      });

      it('lists every key, sorted by code point', async () => {
        expect(await storage.list('')).toEqual(sorted);
      });

      it('matches a plain string prefix, also in the middle of a segment', async () => {
        expect(await storage.list('landing/cust')).toEqual([
          'landing/custom.csv',
          'landing/customers/date=2024-01-01/customers.csv',
          'landing/customers/date=2024-01-02/a b+c.csv',
        ]);
        expect(await storage.list('landing/')).toEqual(sorted.slice(1, 8));
        expect(await storage.list('landing')).toEqual(sorted.slice(0, 8));
        expect(await storage.list('landing/customers/date=2024-01-02/')).toEqual([
          'landing/customers/date=2024-01-02/a b+c.csv',
        ]);
      });

      it('returns nothing for a prefix nothing starts with', async () => {
        expect(await storage.list('nothing/')).toEqual([]);
        expect(await storage.list('landing/customers/date=2024-01-03')).toEqual([]);
      });

      it('shows neither writes in flight nor their staging files', async () => {
        const pulled = deferred();
        const release = deferred();
        async function* body() {
          yield Buffer.alloc(1024, 1);
          // The consumer asked for more: the first chunk has been taken (a staging file exists).
          pulled.resolve();
          await release.promise;
          yield Buffer.alloc(1024, 2);
        }
        const writing = storage.putStream('landing/inflight.csv', body());
        await pulled.promise;
        expect(await storage.list('')).toEqual(sorted);
        expect(await storage.exists('landing/inflight.csv')).toBe(false);
        release.resolve();
        await writing;
        expect(await storage.list('landing/i')).toEqual(['landing/inflight.csv']);
      });
    });

    it('lists past one page of 1,000 keys (1,050 keys, sorted)', async () => {
      const keys = Array.from({ length: 1050 }, (_, i) => `many/date=2024-01-01/part-${i}.csv`);
      await inParallel(keys, 32, (key) => storage.put(key, 'x'));
      await storage.put('many-other.txt', 'not under many/');
      const listed = await storage.list('many/');
      expect(listed).toHaveLength(1050);
      expect(listed).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });

    describe('putStream', () => {
      it('writes a few MB from an async generator', async () => {
        // 48 × 256 KiB = 12 MiB, mixing the allowed chunk types: ASCII strings, Uint8Array views that
        // do not start at offset 0 of their buffer, and Buffers.
        const chunks = Array.from({ length: 48 }, (_, i): Uint8Array | string => {
          const chunk = patterned(i, 256 * 1024);
          if (i % 3 === 0) return chunk.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
          if (i % 3 === 1) {
            const padded = Buffer.concat([Buffer.alloc(16, 0xff), chunk, Buffer.alloc(16, 0xff)]);
            return new Uint8Array(padded.buffer, padded.byteOffset + 16, chunk.length);
          }
          return chunk;
        });
        const digest = sha256(Buffer.concat(chunks.map((chunk) => Buffer.from(chunk))));
        async function* body() {
          yield* chunks;
        }

        const written = await storage.putStream('big/twelve-mib.bin', body());
        expect(written).toEqual({ key: 'big/twelve-mib.bin', bytes: 12 * MIB });
        expect(sha256(await storage.get('big/twelve-mib.bin'))).toBe(digest);
        const streamed = createHash('sha256');
        let bytes = 0;
        for await (const chunk of await storage.getStream('big/twelve-mib.bin')) {
          streamed.update(chunk as Buffer);
          bytes += (chunk as Buffer).length;
        }
        expect(bytes).toBe(12 * MIB);
        expect(streamed.digest('hex')).toBe(digest);
      });

      it('writes from a Readable, and an empty stream makes an empty object', async () => {
        expect(await storage.putStream('small/a.csv', Readable.from(['id\n', '1\n', '2\n']))).toEqual({
          key: 'small/a.csv',
          bytes: 7,
        });
        expect((await storage.get('small/a.csv')).toString()).toBe('id\n1\n2\n');
        expect(await storage.putStream('small/empty.csv', Readable.from([]))).toEqual({
          key: 'small/empty.csv',
          bytes: 0,
        });
        expect((await storage.get('small/empty.csv')).length).toBe(0);
      });

      it('leaves the old object unchanged when the body fails midway (after 6 MiB)', async () => {
        await storage.put('landing/t/x.csv', 'old contents');
        async function* failing() {
          for (let i = 0; i < 24; i++) yield patterned(i, 256 * 1024);
          throw new Error('boom: source went away');
        }
        await expect(storage.putStream('landing/t/x.csv', failing())).rejects.toThrow(
          /boom: source went away/,
        );
        expect((await storage.get('landing/t/x.csv')).toString()).toBe('old contents');
        await expect(storage.putStream('landing/t/new.csv', failing())).rejects.toThrow(/boom/);
        expect(await storage.exists('landing/t/new.csv')).toBe(false);
        expect(await storage.list('landing/t/')).toEqual(['landing/t/x.csv']);
      });

      it('leaves the old object unchanged when its signal aborts', async () => {
        await storage.put('landing/t/x.csv', 'old contents');
        const controller = new AbortController();
        async function* body() {
          yield Buffer.alloc(64 * 1024, 1);
          controller.abort();
          yield Buffer.alloc(64 * 1024, 2);
          yield Buffer.alloc(64 * 1024, 3);
        }
        await expect(storage.putStream('landing/t/x.csv', body(), controller.signal)).rejects.toMatchObject({
          name: 'AbortError',
        });
        expect((await storage.get('landing/t/x.csv')).toString()).toBe('old contents');
      });

      it('aborts a stream body that is waiting for its producer', async () => {
        const controller = new AbortController();
        const body = new Readable({ read() {} }); // produces nothing until pushed
        body.push('partial row,');
        const writing = storage.putStream('landing/t/stalled.csv', body, controller.signal);
        controller.abort();
        await expect(writing).rejects.toMatchObject({ name: 'AbortError' });
        expect(body.destroyed).toBe(true);
        expect(await storage.exists('landing/t/stalled.csv')).toBe(false);
      });

      it('writes nothing when the signal is already aborted', async () => {
        const controller = new AbortController();
        controller.abort();
        await expect(
          storage.putStream('landing/t/never.csv', Readable.from(['x']), controller.signal),
        ).rejects.toMatchObject({ name: 'AbortError' });
        expect(await storage.exists('landing/t/never.csv')).toBe(false);
      });
    });

    describe('key validation', () => {
      const badKeys: [string, string][] = [
        ['parent segment', '../escape.csv'],
        ['inner parent segment', 'landing/../../escape.csv'],
        ['dot segment', './landing/x.csv'],
        ['absolute', '/etc/passwd'],
        ['drive letter', 'C:/x.csv'],
        ['backslash', 'landing\\x.csv'],
        ['NUL byte', 'landing/x\0.csv'],
        ['control character', 'landing/x\n.csv'],
        ['empty segment', 'landing//x.csv'],
        ['trailing slash', 'landing/'],
        ['empty key', ''],
        ['staging area', '.staging/x.csv'],
      ];
      const operations: [string, (storage: StorageBackend, key: string) => Promise<unknown>][] = [
        ['get', (s, key) => s.get(key)],
        ['getStream', (s, key) => s.getStream(key)],
        ['put', (s, key) => s.put(key, 'x')],
        ['putStream', (s, key) => s.putStream(key, Readable.from(['x']))],
        ['exists', (s, key) => s.exists(key)],
        ['delete', (s, key) => s.delete(key)],
      ];

      it.each(badKeys)('refuses a key with %s in every operation (INVALID_KEY)', async (_, key) => {
        for (const [method, operation] of operations) {
          await expect(operation(storage, key), `${method}(${JSON.stringify(key)})`).rejects.toMatchObject({
            name: 'InputError',
            code: 'INVALID_KEY',
          });
        }
      });

      it.each(['../', '/abs/', 'landing//', 'a\\b', 'x\0'])(
        'refuses the listing prefix %j (INVALID_KEY)',
        async (prefix) => {
          await expect(storage.list(prefix)).rejects.toMatchObject({
            name: 'InputError',
            code: 'INVALID_KEY',
          });
        },
      );

      it('wrote nothing while refusing', async () => {
        for (const [, key] of badKeys) await storage.put(key, 'x').catch(() => undefined);
        expect(await storage.list('')).toEqual([]);
      });
    });
  });
}

/** `count` bytes that differ per chunk index, so misordered or dropped chunks change the hash. */
function patterned(index: number, count: number): Buffer {
  const chunk = Buffer.alloc(count);
  for (let i = 0; i < count; i += 4) chunk.writeUInt32LE((index * 2_654_435_761 + i) >>> 0, i);
  return chunk;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}
