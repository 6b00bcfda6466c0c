import type { PipelineDefinition } from '../lib/definition/define.ts';
import type { Source } from '../lib/definition/sources.ts';
import type { InputSpec } from '../lib/pipeline/jobs.ts';
import type { Fail } from './option-values.ts';

/** A `--gen` value: `true`/`false` a boolean, a number a number, anything else its text. */
export type OptionValue = string | number | boolean;

/**
 * `--gen` values by generated source: `KEY=VALUE` goes to every generated source whose generator takes
 * KEY, `SOURCE.KEY=VALUE` to that source. Values `true`/`false` are booleans, numbers are numbers.
 */
export function parseGenOptions(
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
export function checkedOptions(
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
