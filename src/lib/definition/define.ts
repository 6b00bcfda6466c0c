import { type Plan, planTransform } from '../engine/plan.ts';
import { ConfigError, errorMessage } from '../errors.ts';
import type { QualityCheck } from '../quality/checks.ts';
import { Chain, type Op, type TransformContext, transformContext } from './chain.ts';
import { NAME, suiteProblems } from './checks.ts';
import { type QualityContext, qualityContext, type SuiteSpec } from './quality.ts';
import type { AnyRow } from './schema.ts';
import type { Sources } from './sources.ts';

/** A quality suite as the product runs it: checks as data. */
export interface Suite {
  name: string;
  dataset: string;
  description?: string;
  checks: QualityCheck[];
}

const DEFINITION = Symbol.for('lakeflow.pipeline');

/** Whether a module's export is a pipeline made by {@link definePipeline}. */
export const isPipelineDefinition = (value: unknown): value is PipelineDefinition =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEFINITION] === true;

/** A loaded, validated pipeline: what workers, producers and the board run from. */
export interface PipelineDefinition {
  readonly name: string;
  readonly description?: string;
  readonly sources: Sources;
  /** The transform's operations, from its fact source. */
  readonly transform: { readonly source: string; readonly ops: readonly Op[] };
  /** Each step's columns and each dataset's layout. */
  readonly plan: Plan;
  /** Quality suites by name; the first is the default. */
  readonly suites: Readonly<Record<string, Suite>>;
  readonly defaultSuite: string | undefined;
}

/** What `definePipeline` takes. */
export interface PipelineSpec<S extends Sources, D extends Record<string, AnyRow>> {
  /** The pipeline's name: lower-case letters, digits and `_`; part of run ids and lake keys. */
  name: string;
  description?: string;
  /** Sources by name, each `fact()` or `dimension()`. */
  sources: S;
  /** The transform: `({ from }) => from('fact').…write('dataset')`. */
  // biome-ignore lint/suspicious/noExplicitAny: the last row type is whatever the chain made it
  transform: (context: TransformContext<S>) => Chain<S, any, D>;
  /**
   * Quality suites by name, each over one output dataset; the first is the default:
   * `({ suite }) => ({ daily: suite('enriched', [complete('site')]) })`.
   */
  quality?: (context: QualityContext<D>) => Record<string, SuiteSpec<keyof D & string>>;
}

/**
 * Defines a pipeline: sources, a streaming transform that writes named datasets, and quality suites.
 * Column names are checked by `tsc` through the row types; what types cannot see (a definition
 * written in JavaScript, a cast) is checked here, and every problem is reported at once.
 * @throws ConfigError `DEFINITION_INVALID` naming the pipeline, the step and the column of each problem
 */
export function definePipeline<const S extends Sources, D extends Record<string, AnyRow>>(
  spec: PipelineSpec<S, D>,
): PipelineDefinition {
  const label = typeof spec?.name === 'string' ? spec.name : '(unnamed)';
  const problems: string[] = [];
  if (typeof spec?.name !== 'string' || !NAME.test(spec.name)) {
    problems.push(
      `name ${JSON.stringify(spec?.name)}: lower-case letters, digits and _, starting with a letter`,
    );
  }
  if (typeof spec?.sources !== 'object' || spec.sources === null)
    problems.push('sources: expected an object');
  if (typeof spec?.transform !== 'function') problems.push('transform: expected a function ({ from }) => …');
  if (problems.length > 0) throw definitionError(label, problems);

  let chain: Chain<S, AnyRow, D>;
  try {
    chain = spec.transform(transformContext<S>());
  } catch (error) {
    throw definitionError(label, [`transform: it threw: ${errorMessage(error)}`]);
  }
  if (!(chain instanceof Chain)) {
    throw definitionError(label, [
      "transform: it must return a chain: ({ from }) => from('source')…write('dataset')",
    ]);
  }
  const { plan, problems: planProblems } = planTransform(spec.sources, chain);
  const declared = typeof spec.quality === 'function' ? spec.quality(qualityContext<D>()) : {};
  const suites = freezeSuites(declared ?? {});
  problems.push(...planProblems, ...suiteProblems(plan, spec.sources, suites));
  if (problems.length > 0) throw definitionError(label, problems);
  return Object.freeze({
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    sources: spec.sources,
    transform: { source: chain.source, ops: chain.ops },
    plan,
    suites,
    defaultSuite: Object.keys(suites)[0],
    [DEFINITION]: true,
  });
}

/** Suites as the product keeps them: frozen copies, so a caller that adjusts a check does not change it for every later run. */
function freezeSuites(declared: Record<string, SuiteSpec>): Record<string, Suite> {
  const suites: Record<string, Suite> = {};
  for (const [name, suite] of Object.entries(declared)) {
    const checks: QualityCheck[] = Array.isArray(suite?.checks) ? [...suite.checks] : [];
    suites[name] = Object.freeze({
      name,
      dataset: suite?.dataset,
      checks: Object.freeze(checks.map((check) => Object.freeze(copyCheck(check)))) as QualityCheck[],
      ...(suite?.description ? { description: suite.description } : {}),
    });
  }
  return suites;
}

/**
 * The definition with more suites (from a `quality.yaml` beside it), validated as the definition's own.
 * The default suite stays the definition's first (else the first added).
 * @throws ConfigError `DEFINITION_INVALID` naming the pipeline, `from` and each problem
 */
export function addSuites(
  definition: PipelineDefinition,
  declared: Record<string, SuiteSpec>,
  from: string,
): PipelineDefinition {
  const added = freezeSuites(declared);
  const problems = Object.keys(added)
    .filter((name) => name in definition.suites)
    .map((name) => `${from}: quality suite ${name} is also declared in the definition`);
  problems.push(
    ...suiteProblems(definition.plan, definition.sources, added).map((problem) => `${from}: ${problem}`),
  );
  if (problems.length > 0) throw definitionError(definition.name, problems);
  const suites = { ...definition.suites, ...added };
  return Object.freeze({ ...definition, suites, defaultSuite: Object.keys(suites)[0], [DEFINITION]: true });
}

/** A deep copy of a check; a custom check's function is kept as it is (functions cannot be cloned). */
function copyCheck(check: QualityCheck): QualityCheck {
  if (typeof check !== 'object' || check === null) return check;
  const { test, ...data } = check as QualityCheck & { test?: unknown };
  return { ...structuredClone(data), ...(test === undefined ? {} : { test }) } as QualityCheck;
}

function definitionError(pipeline: string, problems: string[]): ConfigError {
  const list = problems.map((problem) => `  - ${problem}`).join('\n');
  return new ConfigError(`pipeline ${pipeline} is not valid:\n${list}`, { code: 'DEFINITION_INVALID' });
}
