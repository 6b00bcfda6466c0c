import { PipelineError, StorageError } from '../errors.ts';

/**
 * The `code` of every {@link StorageError} the S3 backend throws. Match on these, never on messages.
 *
 * | code | retryable | when |
 * | --- | --- | --- |
 * | `NOT_FOUND` | no | the object does not exist |
 * | `NO_SUCH_BUCKET` | no | the bucket does not exist (or is not visible at this endpoint) |
 * | `ACCESS_DENIED` | no | bad or missing credentials, or a policy that refuses the operation |
 * | `S3_REQUEST_REJECTED` | no | any other 4xx: wrong region, invalid argument, object too large … |
 * | `THROTTLED` | yes | 429, `SlowDown` and the other throttling codes |
 * | `STORAGE_UNAVAILABLE` | yes | 5xx from the server |
 * | `STORAGE_IO` | yes | connection refused/reset, timeouts, a body cut off mid-way, anything unknown |
 */
export const S3_ERROR_CODES = [
  'NOT_FOUND',
  'NO_SUCH_BUCKET',
  'ACCESS_DENIED',
  'S3_REQUEST_REJECTED',
  'THROTTLED',
  'STORAGE_UNAVAILABLE',
  'STORAGE_IO',
] as const;

/** One of {@link S3_ERROR_CODES}. */
export type S3ErrorCode = (typeof S3_ERROR_CODES)[number];

/** What an S3 call was doing, so the error can name it. */
export interface S3ErrorContext {
  /** A verb phrase: `read`, `write`, `list`, `delete`, `check` … */
  operation: string;
  bucket: string;
  /** The S3 object key (with the lake prefix), when the call was about one object. */
  objectKey?: string;
  /** The lake key (without the prefix), for `location` in the error. */
  lakeKey?: string;
  /** A 404 without a code means "no such object" for object calls and "no such bucket" otherwise. */
  subject: 'object' | 'bucket';
}

/** The fields of an SDK error we look at; everything optional, since anything can be thrown. */
interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
}

// The names below are the S3 error codes (and the SDK's own names for bodiless HEAD responses).
const ACCESS_DENIED_NAMES = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'AccountProblem',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidSecurity',
  'Forbidden',
  // Raised by the default credential chain when it finds nothing: a configuration problem, not a blip.
  'CredentialsProviderError',
]);
const THROTTLING_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'BandwidthLimitExceeded',
]);
// `RequestTimeout` is a 400 from S3 ("socket not read from or written to in time"); it heals on retry.
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const REGION_NAMES = new Set([
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
]);

/**
 * Maps anything an S3 call threw to a {@link StorageError} whose `code` is one of
 * {@link S3_ERROR_CODES} and whose message names the bucket and key, keeping the original as `cause`.
 * Our own errors (`PipelineError`) and aborts (`AbortError`) pass through unchanged.
 */
export function toStorageError(error: unknown, context: S3ErrorContext): Error {
  if (error instanceof PipelineError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const { code, retryable, what } = classify(shape, context);
  const where = context.objectKey
    ? `bucket "${context.bucket}", key "${context.objectKey}"`
    : `bucket "${context.bucket}"`;
  const status = shape.$metadata?.httpStatusCode;
  const attempts = shape.$metadata?.attempts;
  // Bodiless answers (HEAD, some servers' errors) leave the SDK with placeholder names and messages.
  const informative = (text: string | undefined) =>
    text && !['Error', 'Unknown', 'UnknownError'].includes(text) ? text : undefined;
  const detail = [
    informative(shape.name),
    status ? `HTTP ${status}` : undefined,
    attempts && attempts > 1 ? `after ${attempts} attempts` : undefined,
  ].filter(Boolean);
  const serverMessage =
    informative(shape.message) && shape.message !== shape.name ? `: ${shape.message}` : '';
  const message = `${what} (${where}; ${context.operation}${detail.length ? `; ${detail.join(', ')}` : ''})${serverMessage}`;
  return new StorageError(message, {
    code,
    retryable,
    cause: error,
    ...(context.lakeKey !== undefined ? { location: { key: context.lakeKey } } : {}),
  });
}

function classify(
  error: SdkErrorShape,
  context: S3ErrorContext,
): { code: S3ErrorCode; retryable: boolean; what: string } {
  const name = error.name ?? '';
  const status = error.$metadata?.httpStatusCode;
  if (name === 'NoSuchBucket' || (status === 404 && context.subject === 'bucket')) {
    return { code: 'NO_SUCH_BUCKET', retryable: false, what: `no such bucket "${context.bucket}"` };
  }
  if (name === 'NoSuchKey' || status === 404) {
    return { code: 'NOT_FOUND', retryable: false, what: 'object not found' };
  }
  if (ACCESS_DENIED_NAMES.has(name) || status === 401 || status === 403) {
    return { code: 'ACCESS_DENIED', retryable: false, what: accessDeniedHint(name) };
  }
  if (THROTTLING_NAMES.has(name) || status === 429) {
    return { code: 'THROTTLED', retryable: true, what: 'the S3 server is throttling requests' };
  }
  if (status !== undefined && status >= 500) {
    return { code: 'STORAGE_UNAVAILABLE', retryable: true, what: 'the S3 server failed' };
  }
  if (TRANSIENT_NAMES.has(name)) {
    return { code: 'STORAGE_IO', retryable: true, what: 'the S3 request timed out' };
  }
  if (REGION_NAMES.has(name)) {
    return {
      code: 'S3_REQUEST_REJECTED',
      retryable: false,
      what: 'the bucket is in another region or behind another endpoint (check AWS_REGION and S3_ENDPOINT)',
    };
  }
  if (status !== undefined && status >= 300) {
    return { code: 'S3_REQUEST_REJECTED', retryable: false, what: 'the S3 server rejected the request' };
  }
  // No HTTP status: the request never got an answer (ECONNRESET, ECONNREFUSED, EPIPE, DNS, a body
  // cut off mid-way). These heal more often than not, so they are retryable.
  const errno = error.code ? ` ${error.code}` : '';
  return { code: 'STORAGE_IO', retryable: true, what: `could not reach the S3 server${errno}` };
}

function accessDeniedHint(name: string): string {
  const credentials = 'check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE';
  switch (name) {
    case 'SignatureDoesNotMatch':
      return `access denied: the secret key does not match the access key (${credentials})`;
    case 'InvalidAccessKeyId':
      return `access denied: the server does not know this access key (${credentials})`;
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
      return `access denied: the session token has expired (${credentials})`;
    case 'CredentialsProviderError':
      return `access denied: no AWS credentials found (${credentials})`;
    case 'AccessDenied':
      return `access denied: the credentials are not allowed this operation (check the IAM/bucket policy)`;
    default:
      // A HEAD answer has no body, so a 403 there cannot say whether the key or the policy is wrong.
      return `access denied: wrong credentials or not allowed (${credentials}, and the IAM/bucket policy)`;
  }
}
