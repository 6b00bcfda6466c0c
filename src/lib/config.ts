import { z } from 'zod';
import { ConfigError } from './errors.ts';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number().int().positive();

/**
 * Every environment variable the product reads, with its default. Parsed once at start-up by
 * {@link loadConfig}; nothing else reads `process.env` (except the logger's LOG_LEVEL).
 */
export const configSchema = z.object({
  /** Redis for BullMQ. Default `redis://127.0.0.1:6379`. */
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix; one per deployment or test. Use `{name}` for Redis Cluster. Default `lakeflow`. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}.-]+$/, 'letters, digits, _ . - { } only')
    .default('lakeflow'),
  /** Where the lake lives: a directory path, `file:///abs/path` or `s3://bucket/prefix`. Default `./.lake`. */
  LAKE_URL: z.string().min(1).default('./.lake'),
  /** Directory of pipeline definitions, one `<name>/pipeline.ts` (or `.js`) each. Default `pipelines`. */
  PIPELINES_DIR: z.string().min(1).default('pipelines'),
  /** S3-compatible endpoint override (e.g. `http://127.0.0.1:7480`); unset for AWS. */
  S3_ENDPOINT: z.string().url().optional(),
  /** Path-style S3 addressing; needed by most S3-compatible servers. Default true when S3_ENDPOINT is set. */
  S3_FORCE_PATH_STYLE: booleanFlag.optional(),
  /** AWS region for the S3 client. Default `us-east-1`. */
  AWS_REGION: z.string().default('us-east-1'),
  /** pino level. Default `info`. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Jobs each worker process runs at once, per queue. Default 2. */
  WORKER_CONCURRENCY: positiveInt.default(2),
  /** Attempts per job for transient errors (validation errors are never retried). Default 3. */
  JOB_ATTEMPTS: positiveInt.default(3),
  /** First retry delay; doubles each attempt. Default 1000 ms. */
  JOB_BACKOFF_MS: z.coerce.number().int().nonnegative().default(1000),
  /** A step running longer than this is aborted and fails (retryable). Default 600000 ms. */
  STEP_TIMEOUT_MS: positiveInt.default(600_000),
  /** BullMQ job lock duration; a worker that dies loses its jobs after this. Default 30000 ms. */
  LOCK_DURATION_MS: positiveInt.default(30_000),
  /** How often workers look for stalled jobs. Default 30000 ms. */
  STALLED_INTERVAL_MS: positiveInt.default(30_000),
  /** How long shutdown waits for in-flight jobs before forcing exit. Default 30000 ms. */
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(30_000),
  /** Completed jobs are kept this long for the board and for idempotent re-enqueue. Default 7 days. */
  KEEP_COMPLETED_SECONDS: positiveInt.default(7 * 24 * 3600),
  /** Board HTTP port. Default 3000. */
  BOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Board bind address. Default `127.0.0.1`; any other address requires credentials. */
  BOARD_HOST: z.string().default('127.0.0.1'),
  /** Board basic-auth user; set together with BOARD_PASSWORD. */
  BOARD_USER: z.string().min(1).optional(),
  /** Board basic-auth password. */
  BOARD_PASSWORD: z.string().min(1).optional(),
  /** Bearer token accepted by the board and its API, instead of or besides basic auth. */
  BOARD_TOKEN: z.string().min(16).optional(),
  /** Turns off retry/remove/clean in the board. Default false. */
  BOARD_READ_ONLY: booleanFlag.default(false),
});

export type Config = z.infer<typeof configSchema>;

/**
 * Parses the environment once. Throws a {@link ConfigError} that names every bad variable.
 * @param env defaults to `process.env`
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" (docker-compose writes `VAR=` for unset variables).
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`, { code: 'CONFIG_INVALID' });
  }
  const config = parsed.data;
  if ((config.BOARD_USER === undefined) !== (config.BOARD_PASSWORD === undefined)) {
    throw new ConfigError('invalid configuration: BOARD_USER and BOARD_PASSWORD must be set together', {
      code: 'CONFIG_INVALID',
    });
  }
  return config;
}

/** The names the product reads from the environment (for docs and the docker-compose check). */
export const configNames: readonly string[] = Object.keys(configSchema.shape);
