import { parseArgs } from 'node:util';
import type { PipelineRegistry } from '../lib/definition/registry.ts';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { assertIsoDate } from '../lib/lake/keys.ts';
import { newRerunTag, type RunSpec } from '../lib/pipeline/lifecycle.ts';
import { checkDatedFiles } from './input-files.ts';
import { integer } from './option-values.ts';
import { parseRunTemplate, RUN_TEMPLATE_OPTIONS, RUN_TEMPLATE_USAGE } from './run-template.ts';
import type { SplitRequest } from './split-runs.ts';

export const ENQUEUE_USAGE = `Usage: npm run enqueue -- [--pipeline NAME] --date YYYY-MM-DD [options]
       npm run enqueue -- [--pipeline NAME] --source NAME=EXPORT --split-by-date NAME [options]

  --date YYYY-MM-DD        the run's date (required, unless --split-by-date)
  --to YYYY-MM-DD          backfill: one run per date from --date to --to, inclusive
  --split-by-date NAME     split source NAME's file (a multi-day export) by its event time into the
                           lake, one object per date, and enqueue one run per date found
${RUN_TEMPLATE_USAGE}
  --rerun                  run again even if this run already exists (new run id, outputs replaced)
  --retry-failed           re-run only the dates from --date to --to whose latest run ended failed or
                           partial (dates with no run are skipped), then follow them as --wait does
  --wait                   follow the runs until they end, print a summary; exit 1 unless all succeed
  --timeout SECONDS        with --wait: give up after this long (default 600)
  --help, -h               this help

Mistakes are refused before anything is enqueued (exit 2). Enqueueing a run that exists adds nothing;
asked with other options than it was enqueued with, it is refused: add --rerun to run the date again.`;

/** What `npm run enqueue` was asked to do. */
export interface EnqueueRequest {
  /** The runs, or none yet when they come from splitting an export (`split`). */
  runs: RunSpec[];
  split?: SplitRequest;
  /**
   * `--retry-failed`: `runs` are re-runs of every date of the range; only those whose latest run ended
   * `failed` or `partial` are to be enqueued (see `selectRetries`), and they are waited for.
   */
  retryFailed?: boolean;
  wait: boolean;
  timeoutMs: number;
}

const MAX_BACKFILL_DAYS = 366;

/**
 * Parses the enqueue command line into run specs of a loaded pipeline. Every mistake (unknown option,
 * bad date, unknown pipeline, source or suite, bad number) is a ConfigError with a message that says
 * what and where, and lists what exists.
 * @param cwd relative file paths resolve against it
 */
export function parseEnqueueArgs(
  argv: string[],
  registry: PipelineRegistry,
  cwd = process.cwd(),
): EnqueueRequest {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...RUN_TEMPLATE_OPTIONS,
        date: { type: 'string' },
        to: { type: 'string' },
        rerun: { type: 'boolean', default: false },
        'retry-failed': { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '600' },
        'split-by-date': { type: 'string' },
      },
    }));
  } catch (error) {
    throw argsError(errorMessage(error));
  }
  const split = values['split-by-date'];
  const retryFailed = values['retry-failed'] === true;
  if (retryFailed && typeof split === 'string')
    throw argsError(
      '--retry-failed re-runs dates that already ran: it takes --date (and --to), not --split-by-date',
    );
  if (retryFailed && typeof values.date !== 'string')
    throw argsError('--retry-failed needs the dates to look at: --date YYYY-MM-DD [--to YYYY-MM-DD]');
  if (typeof split === 'string') {
    if (values.date !== undefined || values.to !== undefined) {
      throw argsError('--split-by-date takes its dates from the export: leave out --date and --to');
    }
    const template = parseRunTemplate(values, registry, cwd, argsError);
    if (!Object.hasOwn(template.sources, split))
      throw argsError(`--split-by-date ${split}: give --source ${split}=PATH`);
    const rerunTag = values.rerun ? newRerunTag() : undefined;
    return {
      runs: [],
      split: { template: { ...template, ...(rerunTag ? { rerunTag } : {}) }, source: split },
      wait: values.wait === true,
      timeoutMs: integer(values.timeout as string, '--timeout', argsError) * 1000,
    };
  }
  if (typeof values.date !== 'string') throw argsError('--date is required');
  const dates = dateRange(values.date, typeof values.to === 'string' ? values.to : values.date);
  const template = parseRunTemplate(values, registry, cwd, argsError);
  const timeoutSeconds = integer(values.timeout as string, '--timeout', argsError);
  // A retry is a re-run: the date's earlier runs stay in the lake beside it, under their own ids.
  const rerunTag = values.rerun || retryFailed ? newRerunTag() : undefined;
  const runs = dates.map((date): RunSpec => ({ ...template, date, ...(rerunTag ? { rerunTag } : {}) }));
  const timeoutMs = timeoutSeconds * 1000;
  // With --retry-failed the files of the dates it re-runs are checked once they are known.
  if (retryFailed) return { runs, retryFailed: true, wait: true, timeoutMs };
  checkDatedFiles(runs, argsError);
  return { runs, wait: values.wait === true, timeoutMs };
}

/**
 * Checks the input files of the runs `--retry-failed` chose (see `checkDatedFiles`): a file missing
 * for a date it skips is no mistake.
 * @throws ConfigError `ARGS_INVALID`, as the other argument errors
 */
export function checkRetryFiles(runs: readonly RunSpec[]): void {
  checkDatedFiles(runs, argsError);
}

function dateRange(from: string, to: string): string[] {
  try {
    assertIsoDate(from);
    assertIsoDate(to);
  } catch (error) {
    throw argsError(errorMessage(error));
  }
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw argsError(`--to ${to} is before --date ${from}`);
  const days = (end - start) / 86_400_000 + 1;
  if (days > MAX_BACKFILL_DAYS)
    throw argsError(`a backfill covers at most ${MAX_BACKFILL_DAYS} days; asked ${days}`);
  return Array.from({ length: days }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

function argsError(message: string): ConfigError {
  return new ConfigError(`${message}\n\n${ENQUEUE_USAGE}`, { code: 'ARGS_INVALID' });
}
