import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { DataLake } from './data-lake.ts';
import { LocalStorage } from './local-storage.ts';
import type { StorageBackend } from './storage.ts';

/** The parts of the configuration that choose and reach a lake. */
export type LakeConfig = Pick<Config, 'LAKE_URL' | 'S3_ENDPOINT' | 'S3_FORCE_PATH_STYLE' | 'AWS_REGION'>;

/**
 * Opens the storage backend that `LAKE_URL` names: a plain path or `file:///abs/path` (a local
 * directory, created on first write) or `s3://bucket[/prefix]`.
 * @throws ConfigError for any other scheme
 */
export async function openStorage(config: LakeConfig): Promise<StorageBackend> {
  const url = config.LAKE_URL;
  if (url.startsWith('s3://')) {
    const { S3Storage } = await import('./s3-storage.ts');
    return S3Storage.fromUrl(url, config);
  }
  if (url.startsWith('file://')) return new LocalStorage(fileURLToPath(url));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new ConfigError(
      `LAKE_URL ${JSON.stringify(url)}: unsupported scheme (use a path, file:// or s3://)`,
      {
        code: 'CONFIG_INVALID',
      },
    );
  }
  return new LocalStorage(url);
}

/** {@link openStorage} wrapped in a {@link DataLake}. */
export async function openLake(config: LakeConfig): Promise<DataLake> {
  return new DataLake(await openStorage(config));
}
