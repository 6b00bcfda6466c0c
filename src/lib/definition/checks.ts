import type { Plan, PlanColumn, PlanDataset } from '../engine/plan.ts';
import { columnsOf, type QualityCheck, qualityCheckSchema } from '../quality/checks.ts';
import { COLUMN_TYPES, isNumericType } from './schema.ts';
import { quarantineProblems, type Source, type Sources } from './sources.ts';

/** What a definition's names may be: lower-case letters, digits and `_`, starting with a letter. */
export const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const FORMATS = ['csv', 'json', 'ndjson', 'parquet'];

/** Whether a column may hold numbers (a function's result is known only when it runs). */
export const maybeNumeric = (column: PlanColumn): boolean =>
  column.type === 'unknown' || isNumericType(column.type);

/** Problems of quality suites against the datasets they check. */
export function suiteProblems(
  plan: Plan,
  sources: Sources,
  suites: Readonly<Record<string, { dataset: string; checks: readonly QualityCheck[] }>>,
): string[] {
  const problems: string[] = [];
  for (const [name, suite] of Object.entries(suites)) {
    const where = `quality suite ${name}`;
    if (!NAME.test(name)) problems.push(`${where}: name: lower-case letters, digits and _`);
    const dataset = plan.datasets.find((d) => d.name === suite.dataset);
    if (!dataset) {
      problems.push(
        `${where}: no output dataset ${JSON.stringify(suite.dataset)} (datasets: ${plan.datasets.map((d) => d.name).join(', ')})`,
      );
      continue;
    }
    if (suite.checks.length === 0) problems.push(`${where}: it has no checks`);
    for (const check of suite.checks) {
      const parsed = qualityCheckSchema.safeParse(check);
      if (!parsed.success) {
        const named =
          check?.name ?? ('column' in (check ?? {}) ? (check as { column: string }).column : '(unnamed)');
        for (const issue of parsed.error.issues) {
          const field = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
          problems.push(`${where}: check "${named}": ${field}${issue.message}`);
        }
        continue;
      }
      problems.push(...checkProblems(`${where}: check "${check.name}"`, check, dataset, sources));
    }
  }
  return problems;
}

/** Problems of one (well-formed) check against its dataset's columns and the pipeline's sources. */
function checkProblems(where: string, check: QualityCheck, dataset: PlanDataset, sources: Sources): string[] {
  const problems: string[] = [];
  const find = (name: string) => dataset.columns.find((c) => c.name === name);
  for (const name of columnsOf(check)) {
    if (!find(name)) problems.push(`${where}: column ${name} is not in dataset ${dataset.name}`);
  }
  const numeric = check.kind === 'range' || check.kind === 'compare' || check.kind === 'rule';
  for (const name of numeric ? columnsOf(check) : []) {
    const column = find(name);
    if (column && !maybeNumeric(column))
      problems.push(`${where}: column ${name} is ${column.type}, not numeric`);
  }
  if (check.kind === 'freshness') {
    const column = find(check.column);
    if (column && column.type !== 'datetime' && column.type !== 'date' && column.type !== 'unknown')
      problems.push(`${where}: column ${check.column} is ${column.type}, not datetime or date`);
  }
  if (check.kind === 'references') {
    const source = sources[check.source];
    if (source?.kind !== 'dimension') {
      const dimensions = Object.keys(sources).filter((name) => sources[name]?.kind === 'dimension');
      problems.push(
        `${where}: ${JSON.stringify(check.source)} is not a dimension source (dimensions: ${dimensions.join(', ') || 'none'})`,
      );
    } else if (check.key !== undefined && !(check.key in source.schema)) {
      problems.push(`${where}: key ${check.key} is not in the schema of ${check.source}`);
    } else if (check.key === undefined && source.key.length !== 1) {
      problems.push(`${where}: ${check.source} has a composite key: name the column with key`);
    }
  }
  if (
    check.kind === 'row_count' &&
    check.min !== undefined &&
    check.max !== undefined &&
    check.min > check.max
  )
    problems.push(`${where}: min ${check.min} is above max ${check.max}`);
  return problems;
}

/** Problems of one source declaration. */
export function sourceProblems(name: string, source: Source): string[] {
  const where = `source ${name}`;
  const problems: string[] = [];
  if (!NAME.test(name)) problems.push(`${where}: name: lower-case letters, digits and _`);
  if (
    typeof source !== 'object' ||
    source === null ||
    (source.kind !== 'fact' && source.kind !== 'dimension')
  ) {
    return [...problems, `${where}: declare it with fact() or dimension()`];
  }
  const schema = source.schema ?? {};
  for (const format of source.formats ?? []) {
    if (!FORMATS.includes(format))
      problems.push(`${where}: unknown format ${JSON.stringify(format)} (formats: ${FORMATS.join(', ')})`);
  }
  const names = Object.keys(schema);
  if (names.length === 0) problems.push(`${where}: the schema has no columns`);
  for (const [column, type] of Object.entries(schema)) {
    if (!COLUMN_TYPES.includes(type))
      problems.push(
        `${where}: column ${column}: unknown type ${JSON.stringify(type)} (types: ${COLUMN_TYPES.join(', ')})`,
      );
  }
  for (const column of source.required ?? []) {
    if (!(column in schema)) problems.push(`${where}: required column ${column} is not in the schema`);
  }
  for (const problem of quarantineProblems(source.quarantine, schema)) problems.push(`${where}: ${problem}`);
  if (source.kind === 'fact') {
    const type = schema[source.eventTime];
    if (type === undefined)
      problems.push(`${where}: event-time column ${source.eventTime} is not in the schema`);
    else if (type !== 'datetime' && type !== 'date')
      problems.push(`${where}: event-time column ${source.eventTime} is ${type}, not datetime or date`);
  } else if (!Array.isArray(source.key)) {
    problems.push(`${where}: the key must be a list of columns (dimension() takes one name or several)`);
  } else {
    if (source.key.length === 0) problems.push(`${where}: a dimension needs a key`);
    for (const column of source.key) {
      if (!(column in schema)) problems.push(`${where}: key column ${column} is not in the schema`);
    }
  }
  return problems;
}
