import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  acceptedValuesCheck,
  type Common,
  compareCheck,
  completenessCheck,
  freshnessCheck,
  matchesCheck,
  rangeCheck,
  referencesCheck,
  rowCountChangeCheck,
  rowCountCheck,
  ruleCheck,
  schemaCheck,
  uniquenessCheck,
} from '../quality/check-builders.ts';
import { isDatasetCheck, type QualityCheck } from '../quality/checks.ts';
import type { SuiteSpec } from './quality.ts';

/** The file beside `pipeline.ts` whose suites are added to the definition's. */
export const QUALITY_FILE = 'quality.yaml';

// Arguments are typed loosely here: the checks built from them are validated by the one check schema
// (qualityCheckSchema) with the definition's, so a wrong type is reported the same way in both.
type Entry = Record<string, unknown> & { kind: string };
const str = (value: unknown) => value as string;
const num = (value: unknown) => value as number;

/** Each kind's builder, from the entry's fields (the rest are the options every check takes). */
const BUILDERS: Record<string, (entry: Entry, options: Common) => QualityCheck> = {
  completeness: (e, o) => completenessCheck(str(e.column), o),
  uniqueness: (e, o) => uniquenessCheck((e.columns as string[] | undefined) ?? str(e.column), o),
  range: (e, o) => rangeCheck(str(e.column), num(e.min), num(e.max), o),
  accepted_values: (e, o) =>
    acceptedValuesCheck(
      str(e.name ?? `Accepted values: ${e.column}`),
      str(e.column),
      e.values as (string | number)[],
      o,
    ),
  compare: (e, o) =>
    compareCheck(
      str(e.name ?? `${e.column} ${e.op} ${e.value}`),
      str(e.column),
      e.op as '>',
      num(e.value),
      o,
    ),
  matches: (e, o) => matchesCheck(str(e.column), str(e.pattern ?? e.format), o),
  rule: (e, o) =>
    ruleCheck(str(e.name ?? e.expression), str(e.expression), {
      ...o,
      ...(e.tolerance !== undefined ? { tolerance: num(e.tolerance) } : {}),
    }),
  references: (e, o) =>
    referencesCheck(str(e.column), str(e.source), {
      ...o,
      ...(e.key !== undefined ? { key: str(e.key) } : {}),
    }),
  row_count: (e) => rowCountCheck(e as never),
  row_count_change: (e) => rowCountChangeCheck(e as never),
  freshness: (e) => freshnessCheck(str(e.column), e as never),
  schema: (e) => schemaCheck(e as never),
};

/** Fields an entry may have beyond its kind's own: they go to the check as they are. */
const COMMON = [
  'kind',
  'name',
  'type',
  'threshold',
  'severity',
  'warn',
  'error',
  'samples',
  'blocking',
  'format',
];

const fileSchema = z.strictObject({
  suites: z.record(
    z.string(),
    z.strictObject({
      dataset: z.string(),
      description: z.string().optional(),
      samples: z.number().int().min(0).optional(),
      checks: z.array(z.looseObject({ kind: z.enum(Object.keys(BUILDERS) as [string, ...string[]]) })).min(1),
    }),
  ),
});

/**
 * Reads the quality suites of a `quality.yaml`: each check is an entry with its `kind` and the fields
 * its builder takes in TypeScript (a check declared either way is the same data), e.g.
 * `{ kind: range, column: quantity, min: 1, max: 100, error: "> 1%" }`. Names and check types default
 * as in TypeScript. The checks are validated with the definition's (columns, types, thresholds).
 * @throws Error naming the file, the suite and the entry for a file that is not such a document
 */
export async function readYamlSuites(file: string): Promise<Record<string, SuiteSpec>> {
  let document: unknown;
  try {
    // Loaded only for a pipeline that has a quality.yaml.
    const { parse } = await import('yaml');
    document = parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not YAML: ${(error as Error).message}`, { cause: error });
  }
  const parsed = fileSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`,
    );
    throw new Error(`${file}: ${problems.join('; ')}`);
  }
  const suites: Record<string, SuiteSpec> = {};
  for (const [name, suite] of Object.entries(parsed.data.suites)) {
    const checks = suite.checks.map((entry, i) =>
      buildCheck(entry as Entry, suite.samples, `${file}: suites.${name}.checks.${i}`),
    );
    suites[name] = {
      dataset: suite.dataset,
      checks,
      ...(suite.description !== undefined ? { description: suite.description } : {}),
    };
  }
  return suites;
}

/** One entry's check: built by its kind's builder, with the declared name and type kept. */
function buildCheck(entry: Entry, samples: number | undefined, where: string): QualityCheck {
  const { kind, name, type, format: _format, ...rest } = entry;
  const options = Object.fromEntries(Object.entries(rest).filter(([key]) => COMMON.includes(key))) as Common;
  const built = (BUILDERS[kind] as (typeof BUILDERS)[string])(entry, options) as Record<string, unknown>;
  // A field the check does not have is a typo, not an option: refuse it rather than ignore it.
  const unknown = Object.keys(entry).filter(
    (key) => !(key in built) && !COMMON.includes(key) && key !== 'columns',
  );
  if (unknown.length > 0) throw new Error(`${where}: ${kind} has no field ${unknown.join(', ')}`);
  const withSamples =
    samples !== undefined && !('samples' in built) && !isDatasetCheck(built as QualityCheck)
      ? { samples }
      : {};
  return {
    ...built,
    ...(name !== undefined ? { name } : {}),
    ...(type !== undefined ? { type } : {}),
    ...withSamples,
  } as QualityCheck;
}
