import path from 'node:path';
import type { PipelineDefinition } from '../lib/definition/define.ts';
import type { Source } from '../lib/definition/sources.ts';
import { errorMessage } from '../lib/errors.ts';
import { assertValidKey } from '../lib/lake/keys.ts';
import { DATE_PLACEHOLDER } from '../lib/pipeline/input-spec.ts';
import type { InputSpec } from '../lib/pipeline/jobs.ts';
import { sourceOf } from '../lib/pipeline/resolve.ts';
import { resolveFormat } from '../lib/sources/file-reader.ts';
import { checkFile } from './input-files.ts';
import { type Fail, integer, named } from './option-values.ts';

/** `--source NAME=SPEC` values by source name. */
export function parseSourceSpecs(
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

/** One `--source` SPEC: a row count to generate, `lake:KEY`, or a file path resolved against `cwd`. */
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
