import { ConfigError, InputError } from '../errors.ts';
import { assertValidPrefix } from './keys.ts';

/** A lake location in S3: the bucket, and the key prefix inside it (`''` or without slashes at the ends). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

// S3's rules for new buckets are 3–63 characters of a-z 0-9 . -; older buckets and some S3-compatible
// servers also allow upper case and `_`, so accept those and let the server have the last word.
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

/**
 * Parses `s3://bucket[/prefix]` (a trailing `/` is optional). The prefix must be a valid lake prefix:
 * no `..`, no empty segments, no backslash.
 * @throws ConfigError code `CONFIG_INVALID`, naming the URL and the problem
 */
export function parseS3Url(url: string): S3Location {
  const invalid = (problem: string, cause?: unknown) =>
    new ConfigError(`LAKE_URL ${JSON.stringify(url)}: ${problem} (expected s3://bucket[/prefix])`, {
      code: 'CONFIG_INVALID',
      cause,
    });
  if (!url.startsWith('s3://')) throw invalid('not an s3:// URL');
  const rest = url.slice('s3://'.length);
  if (/[?#]/.test(rest)) throw invalid('query strings and fragments are not supported');
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (bucket === '') throw invalid('the bucket name is missing');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) throw invalid(`invalid bucket name "${bucket}"`);
  if (prefix !== '') {
    try {
      assertValidPrefix(prefix);
    } catch (error) {
      if (error instanceof InputError) throw invalid(error.message, error);
      throw error;
    }
  }
  return { bucket, prefix };
}
