import path from 'node:path';
import type { ConfigError } from '../lib/errors.ts';
import { errorMessage } from '../lib/errors.ts';
import { assertValidKey } from '../lib/lake/keys.ts';
import {
  type DefectRates,
  defectRatesSchema,
  type InputSpec,
  pipelineNameSchema,
} from '../lib/pipeline/jobs.ts';
import { SOURCE_NAMES, type SourceName } from '../lib/sources/definitions.ts';

/** The options that say what a run ingests and checks; shared by `enqueue` and `schedule`. */
export const RUN_TEMPLATE_OPTIONS = {
  pipeline: { type: 'string', default: 'sales_etl' },
  suite: { type: 'string', default: 'notebook' },
  sources: { type: 'string' },
  transactions: { type: 'string' },
  customers: { type: 'string' },
  products: { type: 'string' },
  seed: { type: 'string', default: '42' },
  defects: { type: 'string', default: 'default' },
} as const;

export const RUN_TEMPLATE_USAGE = `  --pipeline NAME          pipeline name (default sales_etl)
  --suite NAME             quality suite: notebook (default) or pipeline
  --sources a,b,c          sources to ingest (default transactions,customers,products); a run without
                           customers/products joins the latest snapshot at or before its date
  --transactions SPEC      where a source's rows come from, for each of --transactions, --customers,
  --customers SPEC         --products: a number N (generate N rows), a file path (.csv, .json, .ndjson),
  --products SPEC          or lake:KEY (an object already in the lake). Default: generate.
  --seed N                 generator seed (default 42)
  --defects SPEC           generator defects: none, default, or name=rate,... with names nullRegions,
                           duplicateIds, negativeAmounts, messyProducts`;

/** A run's template: everything but its date. */
export interface RunTemplate {
  pipeline: string;
  suite: string;
  sources: Partial<Record<SourceName, InputSpec>>;
}

/**
 * Reads the {@link RUN_TEMPLATE_OPTIONS} values parsed by `parseArgs`.
 * @param fail builds the error for a bad value (it carries the command's usage)
 */
export function parseRunTemplate(
  values: Record<string, string | boolean | undefined>,
  cwd: string,
  fail: (message: string) => ConfigError,
): RunTemplate {
  const pipeline = pipelineNameSchema.safeParse(values.pipeline);
  if (!pipeline.success) throw fail(`--pipeline ${values.pipeline}: lower-case letters, digits and _ only`);
  const seed = integer(values.seed as string, '--seed', fail);
  const defects = parseDefects(values.defects as string, fail);
  const named =
    typeof values.sources === 'string' ? values.sources.split(',').map((s) => s.trim()) : undefined;
  const unknown = (named ?? []).filter((name) => !SOURCE_NAMES.includes(name as SourceName));
  if (unknown.length > 0)
    throw fail(`unknown source(s) ${unknown.join(', ')}; known: ${SOURCE_NAMES.join(', ')}`);
  const chosen = (named ?? [...SOURCE_NAMES]) as SourceName[];
  const stray = SOURCE_NAMES.find((name) => typeof values[name] === 'string' && !chosen.includes(name));
  if (stray) throw fail(`--${stray} given but ${stray} is not listed in --sources`);
  if (!chosen.includes('transactions')) throw fail('--sources must include transactions (the fact table)');
  const sources: Partial<Record<SourceName, InputSpec>> = {};
  for (const name of chosen) {
    sources[name] = inputSpec(name, values[name] as string | undefined, seed, defects, cwd, fail);
  }
  return { pipeline: pipeline.data, suite: values.suite as string, sources };
}

function inputSpec(
  source: SourceName,
  spec: string | undefined,
  seed: number,
  defects: DefectRates,
  cwd: string,
  fail: (message: string) => ConfigError,
): InputSpec {
  if (spec === undefined) return { kind: 'generate', seed, defects };
  if (/^\d+$/.test(spec))
    return { kind: 'generate', records: integer(spec, `--${source}`, fail), seed, defects };
  if (spec.startsWith('lake:')) {
    const key = spec.slice('lake:'.length);
    try {
      return { kind: 'lake', key: assertValidKey(key) };
    } catch (error) {
      throw fail(`--${source}: ${errorMessage(error)}`);
    }
  }
  if (spec.includes('\0')) throw fail(`--${source}: the path contains a NUL byte`);
  return { kind: 'file', path: path.resolve(cwd, spec) };
}

function parseDefects(spec: string, fail: (message: string) => ConfigError): DefectRates {
  if (spec === 'default') return defectRatesSchema.parse({});
  if (spec === 'none') return { nullRegions: 0.02, duplicateIds: 0, negativeAmounts: 0, messyProducts: 0 };
  const entries = spec.split(',').map((pair) => {
    const [name, rate] = pair.split('=');
    if (!name || rate === undefined || !(name in defectRatesSchema.shape)) {
      throw fail(
        `--defects ${spec}: expected name=rate with names ${Object.keys(defectRatesSchema.shape).join(', ')}`,
      );
    }
    return [name, Number(rate)];
  });
  const parsed = defectRatesSchema.safeParse(Object.fromEntries(entries));
  if (!parsed.success) throw fail(`--defects ${spec}: every rate is a number from 0 to 1`);
  return parsed.data;
}

/** A whole number option; `fail` builds the error. */
export function integer(text: string, option: string, fail: (message: string) => ConfigError): number {
  if (!/^\d+$/.test(text)) throw fail(`${option} expects a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}
