import { z } from 'zod';
import { parseRule } from './rule-expression.ts';
import { acceptedBy, durationThresholdSchema, thresholdSchema } from './thresholds.ts';

/**
 * Quality checks as data, not lambdas, so a suite can be stored, shown and diffed. `type` is the seed's
 * `QualityCheckType` (what the check is about); `kind` is how it is scored.
 */

export const checkTypeSchema = z.enum([
  'completeness',
  'uniqueness',
  'validity',
  'consistency',
  'timeliness',
]);
/** The seed's `QualityCheckType` values. */
export type QualityCheckType = z.infer<typeof checkTypeSchema>;

/** `error` checks decide whether a report passes; `warn` checks are reported only. */
export const severitySchema = z.enum(['error', 'warn']);
/** How much a failing check matters. */
export type Severity = z.infer<typeof severitySchema>;

/** The comparisons a `compare` check can make, as pandas' operators. */
export const compareOpSchema = z.enum(['>', '>=', '<', '<=', '==', '!=']);
/** A comparison operator of a `compare` check. */
export type CompareOp = z.infer<typeof compareOpSchema>;

/** Failing-row samples per check: at most this many (memory is bounded by it). */
export const MAX_SAMPLES = 1000;
/** Samples per check when neither the check nor its suite says. */
export const DEFAULT_SAMPLES = 5;

const thresholdText = acceptedBy(thresholdSchema);
const durationText = acceptedBy(durationThresholdSchema);

const named = {
  name: z.string().min(1),
  type: checkTypeSchema,
  /** An `error` of a blocking check fails the run (`failed`), not only its quality gate (`partial`). */
  blocking: z.boolean().optional(),
};
const base = {
  ...named,
  column: z.string().min(1),
  /** The notebook's form: minimum acceptable score, 0..1 (with `severity`). */
  threshold: z.number().min(0).max(1).optional(),
  severity: severitySchema.optional(),
  /** The levels' form: the check warns when its failing rows reach this threshold. */
  warn: thresholdText.optional(),
  /** The levels' form: the check is an error (fails the quality gate) when its failing rows reach this. */
  error: thresholdText.optional(),
  /** Failing rows to keep as samples (default 5). */
  samples: z.number().int().min(0).max(MAX_SAMPLES).optional(),
};

/** A check declares the notebook's form (`threshold` and `severity`) or the levels' (`warn`, `error`). */
function oneForm(check: Record<string, unknown>, ctx: z.RefinementCtx) {
  const notebook = check.threshold !== undefined || check.severity !== undefined;
  const levels = check.warn !== undefined || check.error !== undefined;
  if (notebook && levels) {
    ctx.addIssue({
      code: 'custom',
      message:
        'declare either threshold/severity (a minimum score) or warn/error (thresholds on failing rows), not both',
    });
  } else if (!levels) {
    if (check.threshold === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['threshold'],
        message: 'a check needs threshold, or warn/error',
      });
    if (check.severity === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['severity'],
        message: 'a check with a threshold needs a severity',
      });
  }
}

const regex = z.string().superRefine((pattern, ctx) => {
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`,
    });
  }
});
const rule = z.string().superRefine((text, ctx) => {
  try {
    parseRule(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});
const columnList = z.array(z.string().min(1)).min(1);
/** A row check written as a function: `test(row)` true when the row is good. Not expressible in YAML. */
const rowTest = z.custom<(row: Record<string, string | number | null>) => boolean>(
  (value) => typeof value === 'function',
  { message: 'expected a function (row) => boolean' },
);
const schemaChange = z.enum(['added', 'removed', 'retyped']);
/** A kind of schema change: a column added, removed, or with values of another type. */
export type SchemaChange = z.infer<typeof schemaChange>;

/** Row checks: each row passes or fails; scores are shares of rows (uniqueness: distinct values per row). */
const rowKinds = [
  /** `1 - df[col].isnull().mean()` */
  z.object({ ...base, kind: z.literal('completeness') }),
  /** `df[col].nunique() / len(df)`; with `columns`, distinct combinations of them per row. */
  z.object({ ...base, kind: z.literal('uniqueness'), columns: columnList.min(2).optional() }),
  /** `((df[col] >= min) & (df[col] <= max)).mean()` */
  z.object({ ...base, kind: z.literal('range'), min: z.number(), max: z.number() }),
  /** `df[col].isin(values).mean()` */
  z.object({
    ...base,
    kind: z.literal('accepted_values'),
    values: z.array(z.union([z.string(), z.number()])).min(1),
  }),
  /** `(df[col] <op> value).mean()` */
  z.object({ ...base, kind: z.literal('compare'), op: compareOpSchema, value: z.number() }),
  /** Non-null values that match a regular expression (JavaScript syntax, `u` flag), whole. */
  z.object({
    ...base,
    kind: z.literal('matches'),
    pattern: regex,
    /** RegExp flags besides `u`: `i` (ignore case), `s`, `m`. */
    flags: z
      .string()
      .regex(/^[ims]*$/, 'only the flags i, m and s')
      .optional(),
  }),
  /** A cross-column rule over numbers, e.g. `total_amount == quantity * unit_price` within `tolerance`. */
  z.object({ ...base, kind: z.literal('rule'), expression: rule, tolerance: z.number().min(0).optional() }),
  /** Non-null values present among the keys of a dimension's snapshot as of the run's date. */
  z.object({ ...base, kind: z.literal('references'), source: z.string().min(1), key: z.string().optional() }),
  /** A function of the row's `columns`, true when the row is good. */
  z.object({ ...base, kind: z.literal('custom'), columns: columnList, test: rowTest }),
] as const;

const levels = { warn: thresholdText.optional(), error: thresholdText.optional() };
/** Dataset checks: the dataset as a whole ends pass, warn or error. */
const datasetKinds = [
  /** Rows within [min, max]; outside, the check ends at `severity` (default error). */
  z.object({
    ...named,
    kind: z.literal('row_count'),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
    severity: severitySchema.optional(),
  }),
  /**
   * Rows against the mean of the latest run of each of the `runs` dates before (default 3): `warn` and
   * `error` on the difference, in rows (`> 500`) or as a share of the mean (`> 50%`).
   */
  z.object({
    ...named,
    kind: z.literal('row_count_change'),
    runs: z.number().int().min(1).max(100).optional(),
    ...levels,
  }),
  /** The latest value of a time column against the end of the run's date: `warn`/`error` as `> 6h`. */
  z.object({
    ...named,
    kind: z.literal('freshness'),
    column: z.string().min(1),
    warn: durationText.optional(),
    error: durationText.optional(),
  }),
  /**
   * The dataset's columns against the declared ones and the previous run's: `warn`/`error` list the
   * changes that reach that level (default: error on removed or retyped, warn on added).
   */
  z.object({
    ...named,
    kind: z.literal('schema'),
    warn: z.array(schemaChange).optional(),
    error: z.array(schemaChange).optional(),
  }),
] as const;

/** Kinds of the dataset checks. */
export const DATASET_KINDS = ['row_count', 'row_count_change', 'freshness', 'schema'] as const;

/** A dataset check needs at least one level; the others are checked by their schema. */
function needsLevel(check: Record<string, unknown>, ctx: z.RefinementCtx) {
  const kind = check.kind;
  if (
    (kind === 'row_count_change' || kind === 'freshness') &&
    check.warn === undefined &&
    check.error === undefined
  )
    ctx.addIssue({ code: 'custom', message: `a ${kind} check needs warn and/or error` });
  if (kind === 'row_count' && check.min === undefined && check.max === undefined)
    ctx.addIssue({ code: 'custom', message: 'a row_count check needs min and/or max' });
}

/** One check, as data: a row check or a dataset check. */
export const qualityCheckSchema = z
  .discriminatedUnion('kind', [...rowKinds, ...datasetKinds])
  .superRefine((check, ctx) =>
    (DATASET_KINDS as readonly string[]).includes(check.kind) ? needsLevel(check, ctx) : oneForm(check, ctx),
  );
/** One check, as data. */
export type QualityCheck = z.infer<typeof qualityCheckSchema>;
/** How a check is scored. */
export type CheckKind = QualityCheck['kind'];

/** A row check (each row passes or fails). */
export type RowCheck = Exclude<QualityCheck, { kind: (typeof DATASET_KINDS)[number] }>;
/** A dataset check (the dataset as a whole). */
export type DatasetCheck = Extract<QualityCheck, { kind: (typeof DATASET_KINDS)[number] }>;

/** Whether a check judges the dataset as a whole rather than each row. */
export const isDatasetCheck = (check: QualityCheck): check is DatasetCheck =>
  (DATASET_KINDS as readonly string[]).includes(check.kind);

/** Whether a row check declares warn/error thresholds (else it has the notebook's threshold and severity). */
export const hasLevels = (check: RowCheck): boolean => check.warn !== undefined || check.error !== undefined;

/** The columns a check reads (none for a count of rows or the schema). */
export function columnsOf(check: QualityCheck): string[] {
  switch (check.kind) {
    case 'uniqueness':
      return check.columns ?? [check.column];
    case 'custom':
      return check.columns;
    case 'rule':
      return parseRule(check.expression).columns;
    case 'row_count':
    case 'row_count_change':
    case 'schema':
      return [];
    default:
      return [check.column];
  }
}

/** A named list of checks. */
export const qualitySuiteSchema = z.object({
  name: z.string().min(1),
  checks: z.array(qualityCheckSchema).min(1),
});
/** A named list of checks, as data. */
export type QualitySuite = z.infer<typeof qualitySuiteSchema>;
