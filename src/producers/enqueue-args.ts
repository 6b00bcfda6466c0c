import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, errorMessage } from '../lib/errors.ts';
import { assertIsoDate, assertValidKey } from '../lib/lake/keys.ts';
import {
  type DefectRates,
  defectRatesSchema,
  type InputSpec,
  pipelineNameSchema,
} from '../lib/pipeline/jobs.ts';
import { newRerunTag, type RunSpec } from '../lib/pipeline/run-spec.ts';
import { SOURCE_NAMES, type SourceName } from '../lib/sources/definitions.ts';

export const ENQUEUE_USAGE = `Usage: npm run enqueue -- --date YYYY-MM-DD [options]

  --date YYYY-MM-DD        the run's date (required)
  --to YYYY-MM-DD          backfill: one run per date from --date to --to, inclusive
  --pipeline NAME          pipeline name (default sales_etl)
  --suite NAME             quality suite: notebook (default) or pipeline
  --sources a,b,c          sources to ingest (default transactions,customers,products); a run without
                           customers/products joins the latest snapshot at or before its date
  --transactions SPEC      where a source's rows come from, for each of --transactions, --customers,
  --customers SPEC         --products: a number N (generate N rows), a file path (.csv, .json, .ndjson),
  --products SPEC          or lake:KEY (an object already in the lake). Default: generate.
  --seed N                 generator seed (default 42)
  --defects SPEC           generator defects: none, default, or name=rate,... with names nullRegions,
                           duplicateIds, negativeAmounts, messyProducts
  --rerun                  run again even if this run already exists (new run id, outputs replaced)
  --wait                   follow the runs until they end, print a summary; exit 1 unless all succeed
  --timeout SECONDS        with --wait: give up after this long (default 600)`;

/** What `npm run enqueue` was asked to do. */
export interface EnqueueRequest {
  runs: RunSpec[];
  wait: boolean;
  timeoutMs: number;
}

const MAX_BACKFILL_DAYS = 366;

/**
 * Parses the enqueue command line into run specs. Every mistake (unknown option, bad date, unknown
 * source, bad number) is a ConfigError with a message that says what and where.
 * @param cwd relative file paths resolve against it
 */
export function parseEnqueueArgs(argv: string[], cwd = process.cwd()): EnqueueRequest {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        date: { type: 'string' },
        to: { type: 'string' },
        pipeline: { type: 'string', default: 'sales_etl' },
        suite: { type: 'string', default: 'notebook' },
        sources: { type: 'string' },
        transactions: { type: 'string' },
        customers: { type: 'string' },
        products: { type: 'string' },
        seed: { type: 'string', default: '42' },
        defects: { type: 'string', default: 'default' },
        rerun: { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '600' },
      },
    }));
  } catch (error) {
    throw argsError(errorMessage(error));
  }
  if (typeof values.date !== 'string') throw argsError('--date is required');
  const dates = dateRange(values.date, typeof values.to === 'string' ? values.to : values.date);
  const pipeline = pipelineNameSchema.safeParse(values.pipeline);
  if (!pipeline.success)
    throw argsError(`--pipeline ${values.pipeline}: lower-case letters, digits and _ only`);

  const seed = integer(values.seed as string, '--seed');
  const defects = parseDefects(values.defects as string);
  const named =
    typeof values.sources === 'string' ? values.sources.split(',').map((s) => s.trim()) : undefined;
  const unknown = (named ?? []).filter((name) => !SOURCE_NAMES.includes(name as SourceName));
  if (unknown.length > 0)
    throw argsError(`unknown source(s) ${unknown.join(', ')}; known: ${SOURCE_NAMES.join(', ')}`);
  const chosen = (named ?? [...SOURCE_NAMES]) as SourceName[];
  const stray = SOURCE_NAMES.find((name) => typeof values[name] === 'string' && !chosen.includes(name));
  if (stray) throw argsError(`--${stray} given but ${stray} is not listed in --sources`);
  if (!chosen.includes('transactions'))
    throw argsError('--sources must include transactions (the fact table)');

  const timeoutSeconds = integer(values.timeout as string, '--timeout');
  const rerunTag = values.rerun ? newRerunTag() : undefined;
  const runs = dates.map((date): RunSpec => {
    const sources: Partial<Record<SourceName, InputSpec>> = {};
    for (const name of chosen)
      sources[name] = inputSpec(name, values[name] as string | undefined, seed, defects, cwd);
    return {
      pipeline: pipeline.data,
      date,
      sources,
      suite: values.suite as string,
      ...(rerunTag ? { rerunTag } : {}),
    };
  });
  return { runs, wait: values.wait === true, timeoutMs: timeoutSeconds * 1000 };
}

function inputSpec(
  source: SourceName,
  spec: string | undefined,
  seed: number,
  defects: DefectRates,
  cwd: string,
): InputSpec {
  if (spec === undefined) return { kind: 'generate', seed, defects };
  if (/^\d+$/.test(spec)) return { kind: 'generate', records: integer(spec, `--${source}`), seed, defects };
  if (spec.startsWith('lake:')) {
    const key = spec.slice('lake:'.length);
    try {
      return { kind: 'lake', key: assertValidKey(key) };
    } catch (error) {
      throw argsError(`--${source}: ${errorMessage(error)}`);
    }
  }
  if (spec.includes('\0')) throw argsError(`--${source}: the path contains a NUL byte`);
  return { kind: 'file', path: path.resolve(cwd, spec) };
}

function parseDefects(spec: string): DefectRates {
  if (spec === 'default') return defectRatesSchema.parse({});
  if (spec === 'none') return { nullRegions: 0.02, duplicateIds: 0, negativeAmounts: 0, messyProducts: 0 };
  const entries = spec.split(',').map((pair) => {
    const [name, rate] = pair.split('=');
    if (!name || rate === undefined || !(name in defectRatesSchema.shape)) {
      throw argsError(
        `--defects ${spec}: expected name=rate with names ${Object.keys(defectRatesSchema.shape).join(', ')}`,
      );
    }
    return [name, Number(rate)];
  });
  const parsed = defectRatesSchema.safeParse(Object.fromEntries(entries));
  if (!parsed.success) throw argsError(`--defects ${spec}: every rate is a number from 0 to 1`);
  return parsed.data;
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

function integer(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw argsError(`${option} expects a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

function argsError(message: string): ConfigError {
  return new ConfigError(`${message}\n\n${ENQUEUE_USAGE}`, { code: 'ARGS_INVALID' });
}
