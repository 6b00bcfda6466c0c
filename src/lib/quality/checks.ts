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

/**
 * The forms of a threshold on a check's failing rows: `> N` or `>= N` rows, `> N%` or `>= N%` of the
 * rows (N a number, at most 100 for a share). A check reaches its level when its failing rows do.
 */
export const THRESHOLD_FORMS = '"> N", ">= N", "> N%" or ">= N%" (N a number)';
const THRESHOLD = /^\s*(>=|>)\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/;

/** A threshold parsed; its number is exactly `digits / 10 ** scale`. */
export interface Threshold {
  text: string;
  op: '>' | '>=';
  unit: 'rows' | 'percent';
  /** The declared number, e.g. 1.5 for `> 1.5%`. */
  value: number;
  /** The declared number as an exact integer ratio: `digits / 10 ** scale`. */
  digits: bigint;
  scale: number;
}

/** Parses a threshold of the warn/error language (with zod: the definition's validation shares it). */
export const thresholdSchema = z.string().transform((text, context): Threshold => {
  const match = THRESHOLD.exec(text);
  const number = match?.[2];
  if (!match || number === undefined) {
    context.addIssue({
      code: 'custom',
      message: `threshold ${JSON.stringify(text)}: expected ${THRESHOLD_FORMS}`,
    });
    return z.NEVER;
  }
  const unit = match[3] === '%' ? 'percent' : 'rows';
  const value = Number(number);
  if (unit === 'percent' && value > 100) {
    context.addIssue({
      code: 'custom',
      message: `threshold ${JSON.stringify(text)}: a share is at most 100%`,
    });
    return z.NEVER;
  }
  const [whole = '', fraction = ''] = number.split('.');
  return {
    text,
    op: match[1] === '>=' ? '>=' : '>',
    unit,
    value,
    digits: BigInt(whole + fraction),
    scale: fraction.length,
  };
});

/** Whether `failing` of `rows` rows reach `threshold` (exact: integers, no floating-point share). */
export function reaches(threshold: Threshold, failing: number, rows: number): boolean {
  // failing > digits / 10^scale (rows), or failing / rows > digits / (10^scale * 100) (percent).
  const scale = 10n ** BigInt(threshold.scale);
  const left = BigInt(failing) * scale * (threshold.unit === 'percent' ? 100n : 1n);
  const right = threshold.digits * (threshold.unit === 'percent' ? BigInt(rows) : 1n);
  return threshold.op === '>' ? left > right : left >= right;
}

/** A threshold as declared in a check: text the language accepts (kept as text: checks are data). */
const thresholdText = z.string().superRefine((value, ctx) => {
  const parsed = thresholdSchema.safeParse(value);
  if (!parsed.success)
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
});

/** Failing-row samples per check: at most this many (memory is bounded by it). */
export const MAX_SAMPLES = 1000;
/** Samples per check when neither the check nor its suite says. */
export const DEFAULT_SAMPLES = 5;

const base = {
  name: z.string().min(1),
  type: checkTypeSchema,
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

/** One check. Scores, as in the seed, are shares of rows (uniqueness: distinct values per row). */
export const qualityCheckSchema = z
  .discriminatedUnion('kind', [
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
  ])
  .superRefine(oneForm);
/** One check, as data. */
export type QualityCheck = z.infer<typeof qualityCheckSchema>;
/** How a check is scored. */
export type CheckKind = QualityCheck['kind'];

/** Whether a check declares warn/error thresholds (else it has the notebook's threshold and severity). */
export const hasLevels = (check: QualityCheck): boolean =>
  check.warn !== undefined || check.error !== undefined;

/** A named list of checks. */
export const qualitySuiteSchema = z.object({
  name: z.string().min(1),
  checks: z.array(qualityCheckSchema).min(1),
});
/** A named list of checks, as data. */
export type QualitySuite = z.infer<typeof qualitySuiteSchema>;

/** The notebook's form: a minimum score and how much failing it matters. */
export interface ScoreOptions {
  threshold?: number;
  severity?: Severity;
  warn?: never;
  error?: never;
  samples?: number;
}
/** The levels' form: thresholds on failing rows, e.g. `{ warn: '> 0', error: '> 1%' }`. */
export interface LevelOptions {
  warn?: string;
  error?: string;
  threshold?: never;
  severity?: never;
  samples?: number;
}
/** Options every check builder takes: one form or the other. */
export type Common = ScoreOptions | LevelOptions;

/** A check's form fields, whichever form. */
interface FormFields {
  threshold?: number;
  severity?: Severity;
  warn?: string;
  error?: string;
  samples?: number;
}

/** The form fields of a check: the levels as given, or the notebook's with `threshold` defaulting. */
function form(options: Common, threshold: number): FormFields {
  const { warn, error, samples, threshold: given, severity } = options as FormFields;
  const extra = samples === undefined ? {} : { samples };
  if (warn === undefined && error === undefined)
    return { threshold: given ?? threshold, severity: severity ?? 'error', ...extra };
  // `threshold`/`severity` are kept when given too, so the definition refuses the mix.
  return {
    ...(warn !== undefined ? { warn } : {}),
    ...(error !== undefined ? { error } : {}),
    ...(given !== undefined ? { threshold: given } : {}),
    ...(severity !== undefined ? { severity } : {}),
    ...extra,
  };
}

/** The seed's `add_completeness_check` (default threshold 0.95). */
export function completenessCheck(column: string, options: Common = {}) {
  return {
    name: `Completeness: ${column}`,
    type: 'completeness',
    kind: 'completeness',
    column,
    ...form(options, 0.95),
  } satisfies QualityCheck;
}

/** The seed's `add_uniqueness_check` (default threshold 1.0). */
export function uniquenessCheck(column: string, options: Common = {}) {
  return {
    name: `Uniqueness: ${column}`,
    type: 'uniqueness',
    kind: 'uniqueness',
    column,
    ...form(options, 1.0),
  } satisfies QualityCheck;
}

/** The seed's `add_range_check` (default threshold 0.99), named `Range: col [min, max]` as it is. */
export function rangeCheck(column: string, min: number, max: number, options: Common = {}) {
  return {
    name: `Range: ${column} [${min}, ${max}]`,
    type: 'validity',
    kind: 'range',
    column,
    min,
    max,
    ...form(options, 0.99),
  } satisfies QualityCheck;
}

/** A custom check as the seed's `add_custom_check` builds them (default type validity, threshold 0.95). */
export function acceptedValuesCheck(
  name: string,
  column: string,
  values: (string | number)[],
  options: Common & { type?: QualityCheckType } = {},
) {
  const { type = 'validity' } = options;
  return {
    name,
    type,
    kind: 'accepted_values',
    column,
    values,
    ...form(options, 0.95),
  } satisfies QualityCheck;
}

/** A custom `(df[col] <op> value).mean()` check (default type validity, threshold 0.95). */
export function compareCheck(
  name: string,
  column: string,
  op: CompareOp,
  value: number,
  options: Common & { type?: QualityCheckType } = {},
) {
  const { type = 'validity' } = options;
  return { name, type, kind: 'compare', column, op, value, ...form(options, 0.95) } satisfies QualityCheck;
}
