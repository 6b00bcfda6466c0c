import { z } from 'zod';

/**
 * The warn/error threshold language. On failing rows: `> N` or `>= N` rows, `> N%` or `>= N%` of the
 * rows (N a number, at most 100 for a share). On a duration (freshness): `> N` followed by `m`, `h` or
 * `d`. A check reaches its level when its measure does.
 */
export const THRESHOLD_FORMS = '"> N", ">= N", "> N%" or ">= N%" (N a number)';
/** The forms of a duration threshold. */
export const DURATION_FORMS = '"> N" or ">= N" followed by m, h or d, e.g. "> 6h"';
const THRESHOLD = /^\s*(>=|>)\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/;
const DURATION = /^\s*(>=|>)\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

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

/**
 * Whether a measure that need not be a whole number reaches `threshold`: `amount` itself for a rows
 * threshold, `amount / base` as a share for a percent one (a change against a mean of earlier runs).
 */
export function reachesAmount(threshold: Threshold, amount: number, base: number): boolean {
  // No change is 0% even of nothing; any change of nothing is infinitely much.
  const measured =
    threshold.unit !== 'percent' ? amount : amount === 0 ? 0 : base === 0 ? Infinity : (amount / base) * 100;
  // A share that is exactly the threshold in decimal must not miss it by a rounding error.
  const close = Math.abs(measured - threshold.value) <= 1e-9 * Math.max(1, threshold.value);
  if (close) return threshold.op === '>=';
  return measured > threshold.value;
}

/** A duration threshold parsed: `> 6h` is `{ op: '>', ms: 21600000 }`. */
export interface DurationThreshold {
  text: string;
  op: '>' | '>=';
  ms: number;
}

/** Parses a duration threshold (`> 6h`, `>= 30m`, `> 1d`). */
export const durationThresholdSchema = z.string().transform((text, context): DurationThreshold => {
  const match = DURATION.exec(text);
  if (!match) {
    context.addIssue({
      code: 'custom',
      message: `threshold ${JSON.stringify(text)}: expected ${DURATION_FORMS}`,
    });
    return z.NEVER;
  }
  const unit = match[3] as keyof typeof UNIT_MS;
  return { text, op: match[1] === '>=' ? '>=' : '>', ms: Number(match[2]) * UNIT_MS[unit] };
});

/** Whether a duration reaches a duration threshold. */
export const reachesDuration = (threshold: DurationThreshold, ms: number): boolean =>
  threshold.op === '>' ? ms > threshold.ms : ms >= threshold.ms;

/** Text a parser accepts, kept as text (checks are data): the issues are the parser's. */
export function acceptedBy(parser: z.ZodType) {
  return z.string().superRefine((value, ctx) => {
    const parsed = parser.safeParse(value);
    if (!parsed.success)
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
  });
}
