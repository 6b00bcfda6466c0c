import { DATASET_FORMATS, type DatasetFormat } from '../lake/keys.ts';
import {
  acceptedValuesCheck,
  compareCheck,
  completenessCheck,
  customCheck,
  matchesCheck,
  rangeCheck,
  ruleCheck,
} from '../quality/check-builders.ts';
import { columnsOf, type QualityCheck, qualityCheckSchema } from '../quality/checks.ts';
import { isRowTestCheck, ROW_TEST_KINDS, type RowTestCheck } from '../quality/row-tests.ts';
import { THRESHOLD_FORMS, thresholdSchema } from '../quality/thresholds.ts';
import { isNumericType, type Schema } from './schema.ts';

/** Why a quarantine refuses a check kind that suites take. */
const REFUSED: Readonly<Record<string, string>> = {
  uniqueness:
    "a row is not unique by itself: a dimension's key already quarantines its repeats, and a fact can be deduplicated in the transform (.dedupe)",
  references: 'the snapshots it reads are joined in the transform; check it in a suite',
  row_count: 'it judges the dataset as a whole, not a row; check it in a suite',
  row_count_change: 'it judges the dataset as a whole, not a row; check it in a suite',
  freshness: 'it judges the dataset as a whole, not a row; check it in a suite',
  schema: 'it judges the dataset as a whole, not a row; check it in a suite',
};

/**
 * The threshold each builder sets when none is given: a check that carries it declared none (the
 * builders always set one, so a check cannot say whether it was written).
 */
const DEFAULT_THRESHOLD: Readonly<Record<RowTestCheck['kind'], number | undefined>> = {
  completeness: completenessCheck('c').threshold,
  range: rangeCheck('c', 0, 0).threshold,
  compare: compareCheck('c', 'c', '>', 0).threshold,
  accepted_values: acceptedValuesCheck('c', 'c', ['c']).threshold,
  matches: matchesCheck('c', 'c').threshold,
  rule: ruleCheck('c', 'c > 0').threshold,
  custom: customCheck('c', ['c'], () => true).threshold,
};

/** The options of a quarantine declaration (`QuarantineOptions`). */
const OPTIONS: readonly string[] = ['limit', 'checks', 'format'];

const FORM_FIELDS = ['warn', 'error', 'threshold', 'severity', 'blocking', 'samples'] as const;

/**
 * Problems of a source's `quarantine` declaration (none when it has none) against the source's
 * schema, each prefixed with `quarantine: `: for the definition's checks at load.
 */
export function quarantineProblems(quarantine: unknown, schema: Schema): string[] {
  if (quarantine === undefined) return [];
  const limit = (quarantine as { limit?: unknown } | null)?.limit;
  if (typeof quarantine !== 'object' || quarantine === null || typeof limit !== 'string')
    return [`quarantine: expected { limit: '> 1%' } (a limit of the form ${THRESHOLD_FORMS})`];
  const unknown = Object.keys(quarantine).filter((name) => !OPTIONS.includes(name));
  const problems = unknown.map(
    (name) => `quarantine: unknown option ${name} (options: ${OPTIONS.join(', ')})`,
  );
  const { format } = quarantine as { format?: unknown };
  if (format !== undefined && !DATASET_FORMATS.includes(format as DatasetFormat)) {
    problems.push(
      `quarantine: unknown format ${JSON.stringify(format)} (formats: ${DATASET_FORMATS.join(', ')})`,
    );
  }
  const parsed = thresholdSchema.safeParse(limit);
  if (!parsed.success) {
    // A bare number or share reads naturally as "at most": say which form means that.
    const hint = /^\s*\d+(\.\d+)?\s*%?\s*$/.test(limit)
      ? ` (at most ${limit.trim()}: "> ${limit.trim()}")`
      : '';
    for (const issue of parsed.error.issues) problems.push(`quarantine: limit: ${issue.message}${hint}`);
  }
  const { checks } = quarantine as { checks?: unknown };
  if (checks === undefined) return problems;
  if (!Array.isArray(checks))
    return [...problems, 'quarantine: checks: expected a list of checks (inRange(…), matches(…), …)'];
  const names = new Set<string>();
  for (const check of checks as QualityCheck[]) {
    const name = typeof check?.name === 'string' ? check.name : '(unnamed)';
    const where = `quarantine: check "${name}"`;
    if (names.has(name)) problems.push(`${where}: another check has this name (its rule is check:${name})`);
    names.add(name);
    problems.push(...checkProblems(where, check, schema));
  }
  return problems;
}

/** Problems of one check of a quarantine. */
function checkProblems(where: string, check: QualityCheck, schema: Schema): string[] {
  const kind = String(check?.kind);
  if (!isRowTestCheck({ kind })) {
    const why = REFUSED[kind] ?? `it is not a check (kinds: ${ROW_TEST_KINDS.join(', ')})`;
    return [`${where}: a quarantine cannot take a ${kind} check: ${why}`];
  }
  // Each row is judged alone and any failing row is quarantined: there is no share of rows to
  // grade, and the quarantine's limit is what fails the run.
  const form = FORM_FIELDS.filter((field) => {
    const value = (check as Record<string, unknown>)[field];
    if (value === undefined || value === false) return false;
    if (field === 'severity') return value !== 'error';
    return field !== 'threshold' || value !== DEFAULT_THRESHOLD[check.kind as RowTestCheck['kind']];
  });
  if (form.length > 0) {
    return [
      `${where}: ${form.join(', ')}: a quarantine check takes no warn, error, threshold, severity, blocking or samples (every failing row is quarantined; the limit fails the run)`,
    ];
  }
  // The threshold a builder set (or one for a check written by hand) only satisfies the schema.
  const parsed = qualityCheckSchema.safeParse({ threshold: 1, severity: 'error', ...check });
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => {
      const field = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return `${where}: ${field}${issue.message}`;
    });
  }
  const problems: string[] = [];
  const numeric = kind === 'range' || kind === 'compare' || kind === 'rule';
  for (const column of columnsOf(parsed.data)) {
    const type = schema[column];
    if (type === undefined) problems.push(`${where}: column ${column} is not in the schema`);
    else if (numeric && !isNumericType(type))
      problems.push(`${where}: column ${column} is ${type}, not int or float`);
  }
  if (check.kind === 'accepted_values')
    problems.push(...listProblems(where, check.values, schema[check.column]));
  return problems;
}

/**
 * Values of a kind the column never holds can never match (`isin`: numbers match numbers, strings
 * text), so a list of them is a mistake: refused rather than quarantining every row.
 */
function listProblems(
  where: string,
  values: readonly (string | number)[],
  type: string | undefined,
): string[] {
  if (type === undefined) return [];
  const numeric = isNumericType(type as Schema[string]);
  const wrong = values.filter((value) => (typeof value === 'number') !== numeric);
  if (wrong.length === 0) return [];
  const shown = wrong.map((value) => JSON.stringify(value)).join(', ');
  return [
    numeric
      ? `${where}: values ${shown} are text, but the column is ${type}: list numbers`
      : `${where}: values ${shown} are numbers, but the column is ${type}: list them as text`,
  ];
}
