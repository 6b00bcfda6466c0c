import { parseArgs } from 'node:util';
import type { PipelineDefinition } from '../lib/definition/define.ts';
import type { PipelineRegistry } from '../lib/definition/registry.ts';
import type { Source } from '../lib/definition/sources.ts';
import type { InputSpec } from '../lib/pipeline/jobs.ts';
import { sourceNames, sourceOf, suiteOf } from '../lib/pipeline/resolve.ts';
import { checkedOptions, parseGenOptions } from './gen-options.ts';
import { type Fail, integer, named } from './option-values.ts';
import { parseSourceSpecs } from './source-specs.ts';

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

type Values = Record<string, string | boolean | string[] | undefined>;

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
