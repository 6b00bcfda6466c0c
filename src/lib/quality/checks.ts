import { z } from 'zod';

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

const base = {
  name: z.string().min(1),
  type: checkTypeSchema,
  column: z.string().min(1),
  /** Minimum acceptable score, 0..1. */
  threshold: z.number().min(0).max(1),
  severity: severitySchema,
};

/** One check. Scores, as in the seed, are shares of rows (uniqueness: distinct values per row). */
export const qualityCheckSchema = z.discriminatedUnion('kind', [
  /** `1 - df[col].isnull().mean()` */
  z.object({ ...base, kind: z.literal('completeness') }),
  /** `df[col].nunique() / len(df)` */
  z.object({ ...base, kind: z.literal('uniqueness') }),
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
]);
/** One check, as data. */
export type QualityCheck = z.infer<typeof qualityCheckSchema>;
/** How a check is scored. */
export type CheckKind = QualityCheck['kind'];

/** A named list of checks. */
export const qualitySuiteSchema = z.object({
  name: z.string().min(1),
  checks: z.array(qualityCheckSchema).min(1),
});
/** A named list of checks, as data. */
export type QualitySuite = z.infer<typeof qualitySuiteSchema>;

interface Common {
  threshold?: number;
  severity?: Severity;
}

/** The seed's `add_completeness_check` (default threshold 0.95). */
export function completenessCheck(column: string, { threshold = 0.95, severity = 'error' }: Common = {}) {
  return {
    name: `Completeness: ${column}`,
    type: 'completeness',
    kind: 'completeness',
    column,
    threshold,
    severity,
  } satisfies QualityCheck;
}

/** The seed's `add_uniqueness_check` (default threshold 1.0). */
export function uniquenessCheck(column: string, { threshold = 1.0, severity = 'error' }: Common = {}) {
  return {
    name: `Uniqueness: ${column}`,
    type: 'uniqueness',
    kind: 'uniqueness',
    column,
    threshold,
    severity,
  } satisfies QualityCheck;
}

/** The seed's `add_range_check` (default threshold 0.99), named `Range: col [min, max]` as it is. */
export function rangeCheck(
  column: string,
  min: number,
  max: number,
  { threshold = 0.99, severity = 'error' }: Common = {},
) {
  return {
    name: `Range: ${column} [${min}, ${max}]`,
    type: 'validity',
    kind: 'range',
    column,
    min,
    max,
    threshold,
    severity,
  } satisfies QualityCheck;
}

/** A custom check as the seed's `add_custom_check` builds them (default type validity, threshold 0.95). */
export function acceptedValuesCheck(
  name: string,
  column: string,
  values: (string | number)[],
  { threshold = 0.95, severity = 'error', type = 'validity' }: Common & { type?: QualityCheckType } = {},
) {
  return { name, type, kind: 'accepted_values', column, values, threshold, severity } satisfies QualityCheck;
}

/** A custom `(df[col] <op> value).mean()` check (default type validity, threshold 0.95). */
export function compareCheck(
  name: string,
  column: string,
  op: CompareOp,
  value: number,
  { threshold = 0.95, severity = 'error', type = 'validity' }: Common & { type?: QualityCheckType } = {},
) {
  return { name, type, kind: 'compare', column, op, value, threshold, severity } satisfies QualityCheck;
}
