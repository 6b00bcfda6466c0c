import type { PipelineDefinition, Suite } from '../definition/define.ts';
import type { Source } from '../definition/sources.ts';
import { InputError } from '../errors.ts';

/** `a, b, c`, or `none` for an empty list: what exists, for messages. */
const listed = (names: readonly string[]) => (names.length > 0 ? names.join(', ') : 'none');

/**
 * The source `name` of `pipeline`.
 * @throws InputError `UNKNOWN_SOURCE` (never retried), listing the pipeline's sources
 */
export function sourceOf(pipeline: PipelineDefinition, name: string): Source {
  const source = Object.hasOwn(pipeline.sources, name) ? pipeline.sources[name] : undefined;
  if (source) return source;
  throw new InputError(
    `pipeline ${pipeline.name} has no source ${JSON.stringify(name)}; its sources: ${listed(Object.keys(pipeline.sources))}`,
    { code: 'UNKNOWN_SOURCE' },
  );
}

/**
 * The suite `name` of `pipeline`, or its default suite when `name` is undefined (`undefined` when the
 * pipeline declares no suite).
 * @throws InputError `UNKNOWN_SUITE` (never retried), listing the pipeline's suites
 */
export function suiteOf(pipeline: PipelineDefinition, name: string | undefined): Suite | undefined {
  const wanted = name ?? pipeline.defaultSuite;
  if (wanted === undefined) return undefined;
  const suite = Object.hasOwn(pipeline.suites, wanted) ? pipeline.suites[wanted] : undefined;
  if (suite) return suite;
  throw new InputError(
    `pipeline ${pipeline.name} has no quality suite ${JSON.stringify(wanted)}; its suites: ${listed(Object.keys(pipeline.suites))}`,
    { code: 'UNKNOWN_SUITE' },
  );
}

/** The pipeline's source names in its definition's order (the order of a run's ingest steps). */
export const sourceNames = (pipeline: PipelineDefinition): string[] => Object.keys(pipeline.sources);
