import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/config.ts';
import { ConfigError, InputError, StorageError } from '../../src/lib/errors.ts';
import { type S3ErrorContext, toStorageError } from '../../src/lib/lake/s3-errors.ts';
import { S3Storage, type S3StorageOptions } from '../../src/lib/lake/s3-storage.ts';
import { parseS3Url } from '../../src/lib/lake/s3-url.ts';

const context: S3ErrorContext = {
  operation: 'read',
  bucket: 'lake',
  objectKey: 'team/landing/x.csv',
  lakeKey: 'landing/x.csv',
  subject: 'object',
};

/** An error shaped like the SDK's service exceptions. */
function sdkError(name: string, status?: number, message = `${name} happened`) {
  return Object.assign(new Error(message), {
    name,
    ...(status ? { $metadata: { httpStatusCode: status, attempts: 4 } } : {}),
  });
}

describe('parseS3Url', () => {
  it.each([
    ['s3://lake', { bucket: 'lake', prefix: '' }],
    ['s3://lake/', { bucket: 'lake', prefix: '' }],
    ['s3://my.lake-01/team/etl', { bucket: 'my.lake-01', prefix: 'team/etl' }],
    ['s3://lake/team/etl/', { bucket: 'lake', prefix: 'team/etl' }],
  ])('parses %s', (url, expected) => {
    expect(parseS3Url(url)).toEqual(expected);
  });

  it.each([
    ['s3://', /bucket name is missing/],
    ['s3:///prefix', /bucket name is missing/],
    ['s3://a', /invalid bucket name/],
    ['s3://bad!bucket/x', /invalid bucket name/],
    ['s3://lake/../etc', /".." segment/],
    ['s3://lake//x', /absolute/],
    ['s3://lake/a//b', /empty segment/],
    ['s3://lake/x?versionId=1', /query strings/],
    ['file:///tmp/lake', /not an s3:\/\/ URL/],
  ])('refuses %s with a ConfigError', (url, problem) => {
    const error = (() => {
      try {
        parseS3Url(url);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).toContain(url);
  });

  it('S3Storage refuses a bad bucket, prefix or part size with a ConfigError', () => {
    for (const options of [
      { bucket: 'x' },
      { bucket: 'lake', prefix: '../up' },
      { bucket: 'lake', partSize: 1024 * 1024 },
    ]) {
      expect(() => new S3Storage(options)).toThrow(ConfigError);
    }
  });

  it('S3Storage.fromUrl takes the bucket and prefix from the URL', () => {
    const storage = S3Storage.fromUrl('s3://lake/team/etl/', loadConfig({ LAKE_URL: 's3://lake/team/etl/' }));
    expect(storage).toMatchObject({ url: 's3://lake/team/etl', bucket: 'lake', keyPrefix: 'team/etl/' });
    void storage.close();
  });
});

describe('toStorageError', () => {
  it.each([
    ['NoSuchKey', 404, 'NOT_FOUND', false],
    ['NotFound', 404, 'NOT_FOUND', false],
    ['NoSuchBucket', 404, 'NO_SUCH_BUCKET', false],
    ['AccessDenied', 403, 'ACCESS_DENIED', false],
    ['InvalidAccessKeyId', 403, 'ACCESS_DENIED', false],
    ['SignatureDoesNotMatch', 403, 'ACCESS_DENIED', false],
    ['ExpiredToken', 400, 'ACCESS_DENIED', false],
    ['Unknown', 403, 'ACCESS_DENIED', false],
    ['SlowDown', 503, 'THROTTLED', true],
    ['TooManyRequestsException', 429, 'THROTTLED', true],
    ['InternalError', 500, 'STORAGE_UNAVAILABLE', true],
    ['ServiceUnavailable', 503, 'STORAGE_UNAVAILABLE', true],
    ['Unknown', 502, 'STORAGE_UNAVAILABLE', true],
    ['RequestTimeout', 400, 'STORAGE_IO', true],
    ['PermanentRedirect', 301, 'S3_REQUEST_REJECTED', false],
    ['InvalidArgument', 400, 'S3_REQUEST_REJECTED', false],
    ['EntityTooLarge', 400, 'S3_REQUEST_REJECTED', false],
  ] as const)('maps %s (HTTP %i) to %s, retryable %s', (name, status, code, retryable) => {
    const cause = sdkError(name, status);
    const error = toStorageError(cause, context);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code, retryable, cause, location: { key: 'landing/x.csv' } });
    expect(error.message).toContain('bucket "lake", key "team/landing/x.csv"');
  });

  it('maps a 404 about the bucket itself (HeadBucket, ListObjects) to NO_SUCH_BUCKET', () => {
    const error = toStorageError(sdkError('NotFound', 404), {
      operation: 'list',
      bucket: 'gone',
      subject: 'bucket',
    });
    expect(error).toMatchObject({ code: 'NO_SUCH_BUCKET', retryable: false });
    expect(error.message).toMatch(/^no such bucket "gone"/);
  });

  it.each([['ECONNRESET'], ['ECONNREFUSED'], ['ETIMEDOUT'], ['EPIPE'], ['ENOTFOUND']])(
    'maps the network error %s to a retryable STORAGE_IO',
    (code) => {
      const error = toStorageError(Object.assign(new Error(`connect ${code}`), { code }), context);
      expect(error).toMatchObject({ code: 'STORAGE_IO', retryable: true });
      expect(error.message).toContain(code);
    },
  );

  it('maps the SDK timeout and a missing credential chain', () => {
    expect(toStorageError(sdkError('TimeoutError'), context)).toMatchObject({
      code: 'STORAGE_IO',
      retryable: true,
    });
    const noCredentials = toStorageError(sdkError('CredentialsProviderError'), context);
    expect(noCredentials).toMatchObject({ code: 'ACCESS_DENIED', retryable: false });
    expect(noCredentials.message).toMatch(/no AWS credentials found/);
  });

  it('names the region settings when the bucket lives elsewhere', () => {
    expect(toStorageError(sdkError('PermanentRedirect', 301), context).message).toMatch(/AWS_REGION/);
  });

  it('passes our own errors and aborts through unchanged', () => {
    const input = new InputError('bad key', { code: 'INVALID_KEY' });
    expect(toStorageError(input, context)).toBe(input);
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(toStorageError(abort, context)).toBe(abort);
  });
});

/**
 * A stand-in S3 endpoint whose answers the test scripts request by request, to provoke what a real
 * server does only under load: 5xx, throttling, resets, bodies cut off mid-way.
 */
type Answer = (request: IncomingMessage, response: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

async function fakeS3(answers: Answer[]): Promise<{ endpoint: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    request.resume();
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
    answer(request, response);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const s3Error =
  (status: number, code: string): Answer =>
  (_, response) => {
    response.writeHead(status, { 'content-type': 'application/xml' });
    response.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} (fake)</Message></Error>`,
    );
  };
const object =
  (body: string): Answer =>
  (_, response) => {
    response.writeHead(200, { 'content-length': Buffer.byteLength(body), etag: '"1"' });
    response.end(body);
  };
/** Promises `body` whole, sends its first 10 bytes, then drops the connection. */
const cutOff =
  (body: string): Answer =>
  (_, response) => {
    response.writeHead(200, { 'content-length': Buffer.byteLength(body), etag: '"1"' });
    response.write(body.slice(0, 10), () => response.socket?.destroy());
  };
const reset: Answer = (request) => request.socket.destroy();

function storageAt(endpoint: string, options: Partial<S3StorageOptions> = {}): S3Storage {
  return new S3Storage({
    bucket: 'lake',
    prefix: 'team',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...options,
  });
}

describe('S3Storage retries (fake S3 endpoint)', () => {
  const text = 'id,amount\n1,10.5\n2,11.25\n3,99.0\n';

  it('retries 5xx with backoff inside the backend, then succeeds', async () => {
    const fake = await fakeS3([
      s3Error(500, 'InternalError'),
      s3Error(503, 'ServiceUnavailable'),
      object(text),
    ]);
    const storage = storageAt(fake.endpoint);
    expect((await storage.get('landing/x.csv')).toString()).toBe(text);
    expect(fake.requests).toEqual(Array(3).fill('GET /lake/team/landing/x.csv?x-id=GetObject'));
    await storage.close();
  });

  it('retries a connection reset, then succeeds', async () => {
    const fake = await fakeS3([reset, object(text)]);
    const storage = storageAt(fake.endpoint);
    expect((await storage.get('landing/x.csv')).toString()).toBe(text);
    expect(fake.requests).toHaveLength(2);
    await storage.close();
  });

  it('retries a body cut off mid-way (which the SDK does not), then succeeds', async () => {
    const fake = await fakeS3([cutOff(text), object(text)]);
    const storage = storageAt(fake.endpoint);
    expect((await storage.get('landing/x.csv')).toString()).toBe(text);
    expect(fake.requests).toHaveLength(2);
    await storage.close();
  });

  it('gives up after maxAttempts with a retryable THROTTLED error naming bucket and key', async () => {
    const fake = await fakeS3([s3Error(503, 'SlowDown')]);
    const storage = storageAt(fake.endpoint, { maxAttempts: 2 });
    const error = await storage.put('landing/x.csv', text).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StorageError', code: 'THROTTLED', retryable: true });
    expect((error as Error).message).toContain('bucket "lake", key "team/landing/x.csv"');
    expect((error as Error).message).toContain('after 2 attempts');
    expect(fake.requests).toHaveLength(2);
    await storage.close();
  });

  it('does not retry a non-retryable answer', async () => {
    const fake = await fakeS3([s3Error(403, 'AccessDenied')]);
    const storage = storageAt(fake.endpoint);
    await expect(storage.list('landing/')).rejects.toMatchObject({ code: 'ACCESS_DENIED', retryable: false });
    expect(fake.requests).toHaveLength(1);
    await storage.close();
  });

  it('fails a stream whose body is cut off with a retryable StorageError naming the object', async () => {
    const fake = await fakeS3([cutOff(text)]);
    const storage = storageAt(fake.endpoint);
    const stream = await storage.getStream('landing/x.csv');
    const error = await (async () => {
      for await (const _ of stream) {
        // drain
      }
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StorageError', code: 'STORAGE_IO', retryable: true });
    expect((error as Error).message).toContain('key "team/landing/x.csv"');
    await storage.close();
  });
});
