import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/config.ts';
import { openStorage } from '../../src/lib/lake/open-lake.ts';
import { S3Storage, type S3StorageOptions } from '../../src/lib/lake/s3-storage.ts';
import type { StorageBackend } from '../../src/lib/lake/storage.ts';
import { type S3TestServer, s3TestSkipReason, startS3TestServer } from '../helpers/s3-server.ts';
import { describeStorageContract } from './storage-contract.ts';

const skipReason = s3TestSkipReason();
if (skipReason) console.warn(`S3 tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('S3Storage on a real S3 server (Ceph radosgw)', () => {
  let server: S3TestServer;
  let bucket: string;
  let prefixCount = 0;
  const opened: StorageBackend[] = [];

  beforeAll(async () => {
    server = await startS3TestServer();
    console.info(`S3 test server ${server.endpoint} answered after ${server.startMs} ms`);
    bucket = await server.createBucket('lake');
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.close()));
  });

  /** An S3Storage on the test server; `options` override bucket, prefix, credentials … */
  function s3(options: Partial<S3StorageOptions> = {}): S3Storage {
    return new S3Storage({
      bucket,
      endpoint: server.endpoint,
      region: server.region,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      // The S3 minimum, so the contract's 12 MiB stream takes the multipart path (3 parts).
      partSize: 5 * 1024 * 1024,
      ...options,
    });
  }

  /** Closes `storage` after the test. */
  function track<T extends StorageBackend>(storage: T): T {
    opened.push(storage);
    return storage;
  }

  // One bucket per file; each test gets a fresh key prefix in it, which is as empty as a new bucket.
  describeStorageContract('S3Storage', () => s3({ prefix: `contract/t${++prefixCount}` }));

  it('aborts the multipart upload of a failed stream write: no parts left behind', async () => {
    const storage = track(s3({ prefix: 'multipart' }));
    async function* failing() {
      for (let i = 0; i < 12; i++) yield Buffer.alloc(1024 * 1024, i); // 12 MiB: two parts sent
      throw new Error('boom after two parts');
    }
    await expect(storage.putStream('big.bin', failing())).rejects.toThrow(/boom after two parts/);
    const uploads = await server.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await storage.exists('big.bin')).toBe(false);
  });

  it('fails the producer of a stream body when S3 fails, instead of leaving it waiting for drain', async () => {
    const storage = track(s3({ bucket: 'no-such-bucket-here' }));
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const writing = storage.putStream('landing/x.csv', body);
    writing.catch(() => undefined); // asserted below
    // The producer side of CsvObjectWriter: write until backpressure, then wait for 'drain'.
    const producing = (async () => {
      for (;;) if (!body.write(Buffer.alloc(1024 * 1024))) await once(body, 'drain');
    })();
    await expect(producing).rejects.toMatchObject({ code: 'NO_SUCH_BUCKET' });
    await expect(writing).rejects.toMatchObject({ code: 'NO_SUCH_BUCKET' });
  });

  it('refuses a wrong secret key with a non-retryable ACCESS_DENIED that says so', async () => {
    const storage = track(
      s3({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: 'not-the-secret' } }),
    );
    const error = await storage.get('landing/x.csv').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StorageError', code: 'ACCESS_DENIED', retryable: false });
    expect((error as Error).message).toMatch(/secret key does not match/);
    expect((error as Error).message).toContain(`bucket "${bucket}"`);
    for (const operation of [
      () => storage.put('landing/x.csv', 'x'),
      () => storage.exists('landing/x.csv'),
      () => storage.list('landing/'),
      () => storage.delete('landing/x.csv'),
      () =>
        storage.putStream(
          'landing/x.csv',
          (async function* () {
            yield 'x';
          })(),
        ),
    ]) {
      await expect(operation()).rejects.toMatchObject({ code: 'ACCESS_DENIED', retryable: false });
    }
  });

  it('refuses an unknown access key with ACCESS_DENIED', async () => {
    const storage = track(s3({ credentials: { accessKeyId: 'nobody', secretAccessKey: 'nothing' } }));
    const error = await storage.list('').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', retryable: false });
    expect((error as Error).message).toMatch(/does not know this access key/);
  });

  it('names a missing bucket with a non-retryable NO_SUCH_BUCKET, in every operation', async () => {
    const storage = track(s3({ bucket: 'no-such-bucket-here' }));
    for (const operation of [
      () => storage.get('landing/x.csv'),
      () => storage.getStream('landing/x.csv'),
      () => storage.put('landing/x.csv', 'x'),
      () =>
        storage.putStream(
          'landing/x.csv',
          (async function* () {
            yield 'x';
          })(),
        ),
      // HEAD answers carry no error code: exists must not report "false" for a missing bucket.
      () => storage.exists('landing/x.csv'),
      () => storage.list('landing/'),
      () => storage.delete('landing/x.csv'),
    ]) {
      const error = await operation().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'StorageError', code: 'NO_SUCH_BUCKET', retryable: false });
      expect((error as Error).message).toContain('no such bucket "no-such-bucket-here"');
    }
  });

  it('openStorage reads LAKE_URL s3://bucket/prefix and writes under the prefix', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    // The default credential chain reads these; openStorage has no other way to get credentials.
    process.env.AWS_ACCESS_KEY_ID = server.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = server.secretAccessKey;
    try {
      const config = loadConfig({ LAKE_URL: `s3://${bucket}/team/lake/`, S3_ENDPOINT: server.endpoint });
      const storage = track(await openStorage(config));
      expect(storage).toBeInstanceOf(S3Storage);
      expect(storage.url).toBe(`s3://${bucket}/team/lake`);
      await storage.put('runs/r1.json', '{}');
      const listed = await server.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'team/' }));
      expect(listed.Contents?.map((object) => object.Key)).toEqual(['team/lake/runs/r1.json']);
      expect(await storage.list('')).toEqual(['runs/r1.json']);
    } finally {
      restoreEnv('AWS_ACCESS_KEY_ID', saved.id);
      restoreEnv('AWS_SECRET_ACCESS_KEY', saved.secret);
    }
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
