import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PipelineDefinition } from '../lib/definition/define.ts';
import type { PipelineRegistry } from '../lib/definition/registry.ts';
import type { Source } from '../lib/definition/sources.ts';
import { type ConfigError, errorMessage, PipelineError } from '../lib/errors.ts';
import { assertValidKey } from '../lib/lake/keys.ts';
import { DATE_PLACEHOLDER, inputForDate } from '../lib/pipeline/input-spec.ts';
import type { InputSpec } from '../lib/pipeline/jobs.ts';
import { sourceNames, sourceOf, suiteOf } from '../lib/pipeline/resolve.ts';
import { resolveFormat } from '../lib/sources/file-reader.ts';

/** The options that say what a run ingests and checks; shared by `enqueue` and `schedule`. */
export const RUN_TEMPLATE_OPTIONS = {
  pipeline: { type: 'string' },
  suite: { type: 'string' },
  sources: { type: 'string' },
  source: { type: 'string', multiple: true },
  gen: { type: 'string', multiple: true },
  seed: { type: 'string', default: '42' },
} as const;

/** `--help` / `-h`: every command answers it with its usage. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Whether `argv` asks for help (`--help` or `-h`), read leniently so that help wins over any other
 * mistake on the line; a command prints its usage and exits 0 before loading or connecting anything.
 */
export function helpRequested(argv: readonly string[]): boolean {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: false,
      allowPositionals: true,
      options: HELP_OPTION,
    });
    return values.help === true;
  } catch {
    return false;
  }
}

export const RUN_TEMPLATE_USAGE = `  --pipeline NAME          the pipeline (default: the only one loaded, else sales_etl)
  --suite NAME             quality suite (default: the pipeline's first)
  --sources a,b            sources to ingest (default: all); a dimension left out is joined as its
                           latest snapshot at or before the run's date
  --source NAME=SPEC       where a source's rows come from: a number N (generate N rows), a file path
                           (.csv, .json, .ndjson; it must exist here and, at the same path, on the
                           workers) or lake:KEY; repeatable. Default: its generator
  --gen KEY=VALUE          a generator option, for every generated source whose generator takes KEY
                           (or SOURCE.KEY=VALUE for one source); repeatable
  --seed N                 generator seed (default 42)`;

/** A run's template: everything but its date. */
export interface RunTemplate {
  pipeline: string;
  /** Unset: the pipeline's default suite. */
  suite?: string;
  sources: Record<string, InputSpec>;
}

type Fail = (message: string) => ConfigError;
type Values = Record<string, string | boolean | string[] | undefined>;
type OptionValue = string | number | boolean;

/**
 * The pipeline a command means: `--pipeline`, else the only loaded pipeline, else `sales_etl` if loaded.
 * @param fail builds the error (it carries the command's usage); an unknown name lists the loaded ones
 */
export function choosePipeline(
  name: string | undefined,
  registry: PipelineRegistry,
  fail: Fail,
): PipelineDefinition {
  const chosen =
    name ??
    (registry.names.length === 1 ? registry.names[0] : registry.has('sales_etl') ? 'sales_etl' : undefined);
  if (chosen === undefined) {
    const loaded = registry.names.length > 0 ? registry.names.join(', ') : 'none';
    throw fail(`--pipeline is required; loaded pipelines: ${loaded}`);
  }
  return named(() => registry.get(chosen), '--pipeline', fail);
}

/**
 * Reads the {@link RUN_TEMPLATE_OPTIONS} values parsed by `parseArgs`, against the pipelines loaded.
 * @param fail builds the error for a bad value (it carries the command's usage)
 */
export function parseRunTemplate(
  values: Values,
  registry: PipelineRegistry,
  cwd: string,
  fail: Fail,
): RunTemplate {
  const pipeline = choosePipeline(values.pipeline as string | undefined, registry, fail);
  const suite = typeof values.suite === 'string' ? values.suite : undefined;
  if (suite !== undefined) named(() => suiteOf(pipeline, suite), '--suite', fail);
  const seed = integer(values.seed as string, '--seed', fail);
  const explicit = parseSourceSpecs(values.source as string[] | undefined, pipeline, cwd, fail);
  const chosen =
    typeof values.sources === 'string'
      ? values.sources.split(',').map((name) => name.trim())
      : sourceNames(pipeline);
  for (const name of chosen) named(() => sourceOf(pipeline, name), '--sources', fail);
  const stray = Object.keys(explicit).find((name) => !chosen.includes(name));
  if (stray) throw fail(`--source ${stray}=… given but ${stray} is not listed in --sources`);
  if (!chosen.includes(pipeline.transform.source)) {
    throw fail(
      `--sources must include ${pipeline.transform.source} (the source ${pipeline.name}'s transform reads)`,
    );
  }
  const options = parseGenOptions(values.gen as string[] | undefined, pipeline, chosen, explicit, fail);
  const sources: Record<string, InputSpec> = {};
  for (const name of chosen) {
    const source = pipeline.sources[name] as Source;
    const given = explicit[name];
    if (given && given.kind !== 'generate') {
      sources[name] = given;
      continue;
    }
    if (!source.generate) {
      throw fail(
        `source ${name} of ${pipeline.name} has no generator: say where its rows are with --source ${name}=SPEC`,
      );
    }
    const records = given?.kind === 'generate' ? given.records : undefined;
    sources[name] = {
      kind: 'generate',
      ...(records !== undefined ? { records } : {}),
      seed,
      options: checkedOptions(name, source, options[name] ?? {}, fail),
    };
  }
  return { pipeline: pipeline.name, ...(suite !== undefined ? { suite } : {}), sources };
}

/** `--source NAME=SPEC` values by source name. */
function parseSourceSpecs(
  entries: readonly string[] | undefined,
  pipeline: PipelineDefinition,
  cwd: string,
  fail: Fail,
): Record<string, InputSpec> {
  const specs: Record<string, InputSpec> = {};
  for (const entry of entries ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw fail(`--source ${entry}: expected NAME=SPEC`);
    const name = entry.slice(0, at);
    named(() => sourceOf(pipeline, name), '--source', fail);
    if (Object.hasOwn(specs, name)) throw fail(`--source ${name} is given twice`);
    const spec = inputSpec(`--source ${name}`, entry.slice(at + 1), cwd, fail);
    if (spec.kind !== 'generate') checkFormat(`--source ${name}`, name, spec, pipeline, fail);
    specs[name] = spec;
  }
  return specs;
}

/** A file or lake input's format (from its extension) must be one its source accepts. */
function checkFormat(
  option: string,
  name: string,
  spec: Exclude<InputSpec, { kind: 'generate' }>,
  pipeline: PipelineDefinition,
  fail: Fail,
): void {
  let format: string;
  try {
    format = resolveFormat(spec);
  } catch (error) {
    throw fail(`${option}: ${errorMessage(error)}`);
  }
  const accepted = (pipeline.sources[name] as Source).formats ?? ['csv', 'json', 'ndjson'];
  if (!accepted.includes(format as never)) {
    throw fail(
      `${option}: source ${name} of ${pipeline.name} accepts ${accepted.join(', ')}, not ${format} (${spec.kind === 'file' ? spec.path : spec.key})`,
    );
  }
}

/**
 * Checks the file each run reads when its path names the date (`{date}`): each must be a regular file
 * on this machine, like any file input.
 */
export function checkDatedFiles(
  runs: readonly { date: string; sources: Readonly<Record<string, InputSpec>> }[],
  fail: Fail,
): void {
  for (const run of runs) {
    for (const [name, input] of Object.entries(run.sources)) {
      if (input.kind !== 'file' || !input.path.includes(DATE_PLACEHOLDER)) continue;
      const dated = inputForDate(input, run.date);
      if (dated.kind === 'file') checkFile(`--source ${name} (date ${run.date})`, dated.path, fail);
    }
  }
}

/**
 * A file input must be a regular file on this machine. Workers read the same path, so it must be
 * there too (the same machine, or a volume mounted at the same path).
 */
function checkFile(option: string, file: string, fail: Fail): void {
  const workers =
    'workers read the same path, so it must be there too (or put it in the lake and give lake:KEY)';
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : errorMessage(error);
    throw fail(`${option}: the file ${file} ${problem} on this machine; ${workers}`);
  }
  if (!stats.isFile()) {
    const kind = stats.isDirectory() ? 'a directory' : 'not a regular file';
    throw fail(`${option}: ${file} is ${kind}; give a regular file (${workers})`);
  }
}

function inputSpec(option: string, spec: string, cwd: string, fail: Fail): InputSpec {
  if (/^\d+$/.test(spec))
    return { kind: 'generate', records: integer(spec, option, fail), seed: 42, options: {} };
  if (spec.startsWith('lake:')) {
    try {
      return { kind: 'lake', key: assertValidKey(spec.slice('lake:'.length)) };
    } catch (error) {
      throw fail(`${option}: ${errorMessage(error)}`);
    }
  }
  if (spec === '') throw fail(`${option}: expected a row count, a file path or lake:KEY`);
  if (spec.includes('\0')) throw fail(`${option}: the path contains a NUL byte`);
  const file = path.resolve(cwd, spec);
  // A path naming each date's file ({date}) is checked once the dates are known (checkDatedFiles).
  if (!file.includes(DATE_PLACEHOLDER)) checkFile(option, file, fail);
  return { kind: 'file', path: file };
}

/**
 * `--gen` values by generated source: `KEY=VALUE` goes to every generated source whose generator takes
 * KEY, `SOURCE.KEY=VALUE` to that source. Values `true`/`false` are booleans, numbers are numbers.
 */
function parseGenOptions(
  entries: readonly string[] | undefined,
  pipeline: PipelineDefinition,
  chosen: readonly string[],
  explicit: Record<string, InputSpec>,
  fail: Fail,
): Record<string, Record<string, OptionValue>> {
  const generated = chosen.filter((name) => {
    const given = explicit[name];
    return (given === undefined || given.kind === 'generate') && pipeline.sources[name]?.generate;
  });
  const bySource: Record<string, Record<string, OptionValue>> = {};
  for (const entry of entries ?? []) {
    const match = /^(?:([a-z][a-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry);
    if (!match) throw fail(`--gen ${entry}: expected KEY=VALUE or SOURCE.KEY=VALUE`);
    const [, source, key = '', text = ''] = match;
    const value: OptionValue = text === 'true' ? true : text === 'false' ? false : numberOr(text);
    const targets = source
      ? [source]
      : generated.filter((name) => optionKeys(pipeline.sources[name] as Source)?.includes(key));
    if (source && !generated.includes(source)) {
      throw fail(
        `--gen ${entry}: ${source} is not a generated source of this run (generated: ${generated.join(', ') || 'none'})`,
      );
    }
    const keys = source ? optionKeys(pipeline.sources[source] as Source) : undefined;
    if (keys && !keys.includes(key)) {
      throw fail(
        `--gen ${entry}: ${source}'s generator has no option ${key} (its options: ${keys.join(', ') || 'none'})`,
      );
    }
    if (targets.length === 0) {
      const known = generated.map(
        (name) => `${name}: ${optionKeys(pipeline.sources[name] as Source)?.join(', ') || 'none'}`,
      );
      throw fail(
        `--gen ${entry}: no generated source takes option ${key} (${known.join('; ') || 'no generated source'})`,
      );
    }
    for (const target of targets) bySource[target] = { ...bySource[target], [key]: value };
  }
  return bySource;
}

/**
 * The option names a source's generator declares: the keys of its options schema's zod object, seen
 * through a pipe (`.transform()`) or a wrapper (`.default()`, `.optional()`); undefined for any other.
 */
function optionKeys(source: Source): string[] | undefined {
  type Node = { shape?: unknown; in?: unknown; def?: { innerType?: unknown } };
  let node = source.generate?.options as Node | undefined;
  for (let depth = 0; node && depth < 8; depth++) {
    if (node.shape && typeof node.shape === 'object') return Object.keys(node.shape);
    node = (node.in ?? node.def?.innerType) as Node | undefined;
  }
  return undefined;
}

/** Checks a source's generator options with the generator's own schema, so a mistake shows now. */
function checkedOptions(
  name: string,
  source: Source,
  options: Record<string, OptionValue>,
  fail: Fail,
): Record<string, OptionValue> {
  const schema = source.generate?.options;
  if (!schema) {
    if (Object.keys(options).length > 0) throw fail(`--gen: ${name}'s generator takes no options`);
    return options;
  }
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`,
    );
    throw fail(`--gen: ${name}'s generator options: ${problems.join('; ')}`);
  }
  return options;
}

function numberOr(text: string): OptionValue {
  return /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text) ? Number(text) : text;
}

/** Runs `lookup`; an unknown name's error (it lists what exists) becomes the command's, with `option`. */
function named<T>(lookup: () => T, option: string, fail: Fail): T {
  try {
    return lookup();
  } catch (error) {
    if (error instanceof PipelineError) throw fail(`${option}: ${error.message}`);
    throw error;
  }
}

/** A whole number option; `fail` builds the error. */
export function integer(text: string, option: string, fail: Fail): number {
  if (!/^\d+$/.test(text)) throw fail(`${option} expects a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}
