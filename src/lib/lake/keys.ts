import { InputError } from '../errors.ts';

const MAX_KEY_LENGTH = 1024;
/** Directory (or key prefix) reserved for in-flight writes; never a valid key. */
export const STAGING_PREFIX = '.staging';

/**
 * Checks that a lake key is safe on every backend: relative, `/`-separated, no `.`/`..` or empty
 * segments, no backslash, NUL or control characters, at most 1024 characters. Returns the key.
 * @throws InputError code `INVALID_KEY`, naming the key and what is wrong with it
 */
export function assertValidKey(key: string, what = 'lake key'): string {
  const problem = keyProblem(key, false);
  if (problem)
    throw new InputError(`invalid ${what} ${JSON.stringify(key)}: ${problem}`, { code: 'INVALID_KEY' });
  return key;
}

/** Like {@link assertValidKey} for a listing prefix, which may be empty or end with `/`. */
export function assertValidPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const problem = keyProblem(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, true);
  if (problem) {
    throw new InputError(`invalid lake prefix ${JSON.stringify(prefix)}: ${problem}`, {
      code: 'INVALID_KEY',
    });
  }
  return prefix;
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'it is empty';
  if (key.length > MAX_KEY_LENGTH) return `it is longer than ${MAX_KEY_LENGTH} characters`;
  if (key.includes('\0')) return 'it contains a NUL byte';
  if (key.includes('\\')) return 'it contains a backslash (use /)';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0001-\u001f\u007f]/.test(key)) return 'it contains a control character';
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) return 'it is absolute (keys are relative to the lake)';
  const segments = key.split('/');
  if (segments.some((segment) => segment === '')) return 'it has an empty segment (// or a trailing /)';
  if (segments.some((segment) => segment === '..')) return 'it contains a ".." segment';
  if (segments.some((segment) => segment === '.')) return 'it contains a "." segment';
  if (!isPrefix && segments[0] === STAGING_PREFIX) return `"${STAGING_PREFIX}" is reserved`;
  return undefined;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Validates a calendar date `YYYY-MM-DD` (a real day: no 2024-02-30).
 * @throws InputError code `INVALID_DATE`
 */
export function assertIsoDate(date: string): string {
  if (ISO_DATE.test(date)) {
    const parsed = new Date(`${date}T00:00:00Z`);
    if (!Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date) return date;
  }
  throw new InputError(`invalid date ${JSON.stringify(date)}: expected a calendar date YYYY-MM-DD`, {
    code: 'INVALID_DATE',
  });
}

/** The Hive-style partition segment for a date: `date=YYYY-MM-DD`. */
export const datePartition = (date: string): string => `date=${date}`;

/** Reads the date back from a key containing a `date=YYYY-MM-DD` segment; undefined when absent. */
export function dateOfKey(key: string): string | undefined {
  return /(?:^|\/)date=(\d{4}-\d{2}-\d{2})(?:\/|$)/.exec(key)?.[1];
}

/** How a dataset (or a landing copy) is stored: CSV text, or typed Parquet columns. */
export type DatasetFormat = 'csv' | 'parquet';

/** The file formats objects are stored in; the extension of a key is its format's name. */
export const DATASET_FORMATS: readonly DatasetFormat[] = ['csv', 'parquet'];

/** A run's report key without its extension. @throws InputError `INVALID_KEY` for a bad run id */
function reportBase(pipeline: string, dataset: string, date: string, runId: string): string {
  if (runId === '' || runId.includes('/')) {
    throw new InputError(`invalid run id ${JSON.stringify(runId)} for a report key: not one key segment`, {
      code: 'INVALID_KEY',
    });
  }
  return `${pipeline}/quality/${dataset}/${datePartition(date)}/${runId}`;
}

/**
 * Every key the product writes, in one place. Each pipeline has its own namespace, `<pipeline>/`, and
 * within it Hive-style partitions, so two pipelines never write the same key and DuckDB, Spark or
 * Athena read a dataset's partitions as they are.
 */
export const lakeKeys = {
  /** `<pipeline>/landing/<source>/`: every snapshot of a source. */
  landingPrefix: (pipeline: string, source: string) => `${pipeline}/landing/${source}/`,
  /** A source's landing copy for the date, in its format (default csv): `…/date=…/<source>.csv`. */
  landing: (pipeline: string, source: string, date: string, format: DatasetFormat = 'csv') =>
    `${pipeline}/landing/${source}/${datePartition(date)}/${source}.${format}`,
  landingMeta: (pipeline: string, source: string, date: string) =>
    `${pipeline}/landing/${source}/${datePartition(date)}/${source}.meta.json`,
  /**
   * An output dataset's partition in its format (default csv, as the definition's `.write()`):
   * `<pipeline>/datasets/<dataset>/date=…/<dataset>.csv` or `….parquet`.
   */
  dataset: (pipeline: string, dataset: string, date: string, format: DatasetFormat = 'csv') =>
    `${pipeline}/datasets/${dataset}/${datePartition(date)}/${dataset}.${format}`,
  /**
   * One run's quality report on a dataset: `<pipeline>/quality/<dataset>/date=…/<runId>.json`. Each run
   * has its own, so a re-run of the date leaves the earlier run's report as it was.
   * @throws InputError `INVALID_KEY` for a run id that is not one key segment
   */
  qualityReport: (pipeline: string, dataset: string, date: string, runId: string) =>
    `${reportBase(pipeline, dataset, date, runId)}.json`,
  /**
   * The same run's report as a self-contained HTML page, next to the JSON one.
   * @throws InputError `INVALID_KEY` for a run id that is not one key segment
   */
  qualityReportHtml: (pipeline: string, dataset: string, date: string, runId: string) =>
    `${reportBase(pipeline, dataset, date, runId)}.html`,
  /**
   * Rows a source set aside for the date instead of failing the run (`_rule`, `_row` and
   * the original columns), in the quarantine's format (default csv, as the declaration's `format`):
   * `<pipeline>/quarantine/<name>/date=…/<name>.csv` or `….parquet`. A re-run replaces it.
   */
  quarantine: (pipeline: string, name: string, date: string, format: DatasetFormat = 'csv') =>
    `${pipeline}/quarantine/${name}/${datePartition(date)}/${name}.${format}`,
  /** `<pipeline>/history/<dataset>/`: one small document per run of the dataset's checks' metrics. */
  historyPrefix: (pipeline: string, dataset: string) => `${pipeline}/history/${dataset}/`,
  /** One run's entry in a dataset's quality history: `<pipeline>/history/<dataset>/date=…/<runId>.json`. */
  history: (pipeline: string, dataset: string, date: string, runId: string) =>
    `${pipeline}/history/${dataset}/${datePartition(date)}/${runId}.json`,
  /** `<pipeline>/runs/`: the pipeline's run records. */
  runsPrefix: (pipeline: string) => `${pipeline}/runs/`,
  run: (pipeline: string, runId: string) => `${pipeline}/runs/${runId}.json`,
} as const;
