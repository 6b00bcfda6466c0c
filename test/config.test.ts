import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configNames, loadConfig } from '../src/lib/config.ts';
import { ConfigError } from '../src/lib/errors.ts';

describe('loadConfig', () => {
  it('gives working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.LAKE_URL).toBe('./.lake');
    expect(config.QUEUE_PREFIX).toBe('lakeflow');
    expect(config.PIPELINES_DIR).toBe('pipelines');
    expect(config.JOB_ATTEMPTS).toBe(3);
    expect(config.BOARD_READ_ONLY).toBe(false);
  });

  it('names every bad variable in one error', () => {
    const attempt = () =>
      loadConfig({ REDIS_URL: 'not a url', WORKER_CONCURRENCY: '0', QUEUE_PREFIX: 'a:b' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigError).message).toContain('WORKER_CONCURRENCY');
      expect((error as ConfigError).message).toContain('QUEUE_PREFIX');
      expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    }
  });

  it('treats empty strings as unset and parses booleans', () => {
    expect(loadConfig({ LAKE_URL: '', BOARD_READ_ONLY: 'true' })).toMatchObject({
      LAKE_URL: './.lake',
      BOARD_READ_ONLY: true,
    });
  });

  it('wants the board user and password together', () => {
    expect(() => loadConfig({ BOARD_USER: 'admin' })).toThrow(/BOARD_USER and BOARD_PASSWORD/);
  });

  it('is documented: the README table lists every variable', async () => {
    const readme = await readFile(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
    for (const name of configNames) expect(readme, name).toContain(`\`${name}\``);
  });
});
