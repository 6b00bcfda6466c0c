import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { abortError } from '../abort.ts';
import { ConfigError, StorageError } from '../errors.ts';
import { assertValidKey, assertValidPrefix, STAGING_PREFIX } from './keys.ts';
import { compareCodePoints } from './local-storage.ts';
import type { LakeConfig } from './open-lake.ts';
import { type S3ErrorContext, toStorageError } from './s3-errors.ts';
import { bodyError, bodyOf, type RelayCounter, relay, relayDownload } from './s3-streams.ts';
import { parseS3Url } from './s3-url.ts';
import type { StorageBackend, WriteBody, WrittenObject } from './storage.ts';

/** How an {@link S3Storage} reaches its bucket. Only `bucket` is required. */
export interface S3StorageOptions {
  bucket: string;
  /** Key prefix inside the bucket under which the lake lives (`team/lake`); default none. */
  prefix?: string;
  /** Endpoint of an S3-compatible server (`http://127.0.0.1:7480`); unset for AWS. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`). Default: true when `endpoint` is set. */
  forcePathStyle?: boolean;
  /** Explicit credentials; default the SDK's chain (environment, shared profile, SSO, instance role). */
  credentials?: S3ClientConfig['credentials'];
  /**
   * Attempts per request, retries included, under the SDK's `standard` retry strategy: exponential
   * backoff with full jitter (100 ms base, 500 ms for throttling, 20 s cap) on throttling, 5xx,
   * timeouts and connection errors. Default {@link DEFAULT_MAX_ATTEMPTS}.
   */
  maxAttempts?: number;
  /** Multipart part size for {@link S3Storage.putStream}; at least 5 MiB. Default 8 MiB. */
  partSize?: number;
  /** Parts uploaded at once; memory per stream write is about (queueSize + 1) × partSize. Default 4. */
  queueSize?: number;
  /** Give up connecting after this long (retryable). Default 10 s. */
  connectionTimeoutMs?: number;
  /** Give up on a socket idle this long, mid-request or mid-body (retryable). Default 120 s. */
  socketTimeoutMs?: number;
}

/** Attempts per S3 request (1 + 3 retries) unless {@link S3StorageOptions.maxAttempts} says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 4;
const MIB = 1024 * 1024;

/**
 * The lake in an S3 bucket (AWS or any S3-compatible server), under an optional key prefix.
 *
 * Whole-object puts are single `PutObject` calls and stream writes are multipart uploads completed
 * only at the end, so readers see the old object or the new one, never a torn one; a failed or
 * aborted stream write aborts its multipart upload, leaving neither the object nor stray parts.
 * Transient failures are retried by the SDK (see {@link S3StorageOptions.maxAttempts}); what is
 * left is mapped to a `StorageError` whose code is one of `S3_ERROR_CODES`.
 */
export class S3Storage implements StorageBackend {
  readonly url: string;
  readonly bucket: string;
  /** `''` or a prefix ending in `/`, prepended to every lake key. */
  readonly keyPrefix: string;
  private readonly client: S3Client;
  private readonly maxAttempts: number;
  private readonly partSize: number;
  private readonly queueSize: number;
  private bucketChecked: Promise<void> | undefined;

  constructor(options: S3StorageOptions) {
    // Same rules as LAKE_URL, so a bad bucket name or prefix is a ConfigError either way.
    const { bucket, prefix } = parseS3Url(
      `s3://${options.bucket}/${(options.prefix ?? '').replace(/^\/+/, '')}`,
    );
    this.bucket = bucket;
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.url = `s3://${this.bucket}${prefix === '' ? '' : `/${prefix}`}`;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.partSize = options.partSize ?? 8 * MIB;
    this.queueSize = options.queueSize ?? 4;
    // S3 refuses parts under 5 MiB (except the last); fail here, not in the middle of a job.
    if (this.partSize < 5 * MIB || this.queueSize < 1 || this.maxAttempts < 1) {
      throw new ConfigError(
        `S3 lake ${this.url}: partSize must be at least 5 MiB, queueSize and maxAttempts at least 1`,
        { code: 'CONFIG_INVALID' },
      );
    }
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: this.maxAttempts,
      retryMode: 'standard',
      // S3-compatible servers do not all take the CRC32 trailers the SDK adds by default since 3.729
      // (radosgw answers a streamed PutObject with 411). AWS accepts both modes. See docs/s3.md.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Without timeouts a server that stops answering hangs a job forever; the SDK retries these.
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 10_000,
        socketTimeout: options.socketTimeoutMs ?? 120_000,
      },
    });
  }

  /**
   * Opens the lake at `s3://bucket[/prefix]` with the endpoint, region and path style from the
   * configuration and credentials from the SDK's default chain.
   * @param overrides options for tests and tools (credentials, part size, attempts)
   * @throws ConfigError code `CONFIG_INVALID` for a malformed URL
   */
  static fromUrl(url: string, config: LakeConfig, overrides: Partial<S3StorageOptions> = {}): S3Storage {
    const { bucket, prefix } = parseS3Url(url);
    return new S3Storage({
      bucket,
      prefix,
      region: config.AWS_REGION,
      ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
      forcePathStyle: config.S3_FORCE_PATH_STYLE ?? Boolean(config.S3_ENDPOINT),
      ...overrides,
    });
  }

  async get(key: string): Promise<Buffer> {
    const objectKey = this.objectKey(key);
    const context = this.context('read', key, objectKey);
    // The SDK retries a request until the response headers arrive; a body cut off after that is
    // ours to retry, with the same budget and the same kind of backoff.
    for (let attempt = 1; ; attempt++) {
      const response = await this.guard(
        this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey })),
        context,
      );
      try {
        const bytes = await bodyOf(response).transformToByteArray();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        const mapped = toStorageError(error, context);
        if (!(mapped instanceof StorageError && mapped.retryable) || attempt >= this.maxAttempts)
          throw mapped;
        await delay(Math.random() * Math.min(100 * 2 ** attempt, 20_000));
      }
    }
  }

  async getStream(key: string): Promise<Readable> {
    const objectKey = this.objectKey(key);
    const context = this.context('read', key, objectKey);
    // Awaiting the response first makes a missing object fail here, not inside the consumer's pipeline.
    const body = bodyOf(
      await this.guard(
        this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey })),
        context,
      ),
    );
    return relayDownload(body, (error) => toStorageError(error, context));
  }

  async put(key: string, data: Uint8Array | string): Promise<WrittenObject> {
    const objectKey = this.objectKey(key);
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    await this.guard(
      this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: data, ContentLength: bytes }),
      ),
      this.context('write', key, objectKey),
    );
    return { key, bytes };
  }

  /**
   * Streams `body` into a multipart upload (`Upload` from lib-storage), holding at most about
   * (queueSize + 1) × partSize bytes. A body shorter than one part goes as a single `PutObject`.
   * If the body fails or `signal` aborts before the upload is committed, the multipart upload is
   * aborted and the promise rejects only after that, with the body's error or an `AbortError`.
   * An abort that arrives while the final commit request is in flight cannot stop it.
   */
  async putStream(key: string, body: WriteBody, signal?: AbortSignal): Promise<WrittenObject> {
    const objectKey = this.objectKey(key);
    const context = this.context('write', key, objectKey);
    if (signal?.aborted) throw abortError(signal);
    const counter: RelayCounter = { bytes: 0, failure: undefined };
    const relayed = Readable.from(relay(body, counter, signal), { objectMode: false });
    // Like stream.pipeline: an abort destroys a stream body, which also fails a producer waiting for
    // 'drain' on it (CsvObjectWriter), instead of leaving it waiting forever.
    const onAbort = () => {
      if (body instanceof Readable) body.destroy(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: relayed },
      partSize: this.partSize,
      queueSize: this.queueSize,
      // Left false, a failed upload sends AbortMultipartUpload, so no billed, invisible parts remain.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return { key, bytes: counter.bytes };
    } catch (error) {
      const failure = counter.failure
        ? bodyError(counter.failure.error, context)
        : toStorageError(error, context);
      // When S3 fails, nobody reads the body any more: end it, so its producer learns of the failure.
      relayed.destroy();
      if (body instanceof Readable && !body.destroyed) body.destroy(failure);
      throw failure;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async exists(key: string): Promise<boolean> {
    const objectKey = this.objectKey(key);
    const context = this.context('check', key, objectKey);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return true;
    } catch (error) {
      // HEAD answers carry no error code, so a missing bucket is a 404 too: rule that out.
      if ((error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404) {
        await this.assertBucketExists();
        return false;
      }
      throw toStorageError(error, context);
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    const context: S3ErrorContext = { operation: 'list', bucket: this.bucket, subject: 'bucket' };
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.guard(
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.keyPrefix + prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
        context,
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.keyPrefix.length);
        // Skip "folder" markers that consoles create, and the staging area the local backend uses.
        if (!key || key.endsWith('/') || key === STAGING_PREFIX || key.startsWith(`${STAGING_PREFIX}/`))
          continue;
        keys.push(key);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated && !token) {
        throw new StorageError(`list ${this.url}/${prefix}: truncated page without a continuation token`, {
          code: 'STORAGE_IO',
        });
      }
    } while (token);
    // S3 lists in UTF-8 byte order; sort anyway so both backends agree exactly.
    return keys.sort(compareCodePoints);
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    // S3 answers 204 for a missing key, which is what the contract wants.
    await this.guard(
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })),
      this.context('delete', key, objectKey),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return this.keyPrefix + assertValidKey(key);
  }

  private context(operation: string, lakeKey: string, objectKey: string): S3ErrorContext {
    return { operation, bucket: this.bucket, objectKey, lakeKey, subject: 'object' };
  }

  /** Awaits an SDK call, mapping whatever it throws (after the SDK's retries) to a StorageError. */
  private async guard<T>(request: Promise<T>, context: S3ErrorContext): Promise<T> {
    try {
      return await request;
    } catch (error) {
      throw toStorageError(error, context);
    }
  }

  /**
   * Tells a missing bucket from a missing object, once per instance (again after a failure). A
   * one-key listing of the lake's prefix rather than HeadBucket: it needs only the s3:ListBucket
   * the lake needs anyway, even under a policy that limits listing to the prefix.
   */
  private assertBucketExists(): Promise<void> {
    this.bucketChecked ??= this.client
      .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.keyPrefix, MaxKeys: 1 }))
      .then(
        () => undefined,
        (error: unknown) => {
          this.bucketChecked = undefined;
          throw toStorageError(error, { operation: 'check bucket', bucket: this.bucket, subject: 'bucket' });
        },
      );
    return this.bucketChecked;
  }
}
