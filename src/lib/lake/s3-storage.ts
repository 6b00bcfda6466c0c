import { ConfigError } from '../errors.ts';
import type { LakeConfig } from './open-lake.ts';
import type { StorageBackend } from './storage.ts';

/** Placeholder until the S3 backend lands (issue 6): refuses s3:// lakes with a clear message. */
export const S3Storage = {
  fromUrl(url: string, _config: LakeConfig): StorageBackend {
    throw new ConfigError(`LAKE_URL ${url}: the S3 backend is not available yet`, { code: 'CONFIG_INVALID' });
  },
};
