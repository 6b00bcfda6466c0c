/**
 * Text-to-value rules shared by ingestion (validation) and transform (computation), chosen to read a
 * CSV the way pandas' `read_csv` does, so results match the seed's.
 */

/** pandas' default `na_values`: these strings read as null. */
export const NULL_STRINGS: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

const MAX_NULL_LENGTH = Math.max(...[...NULL_STRINGS].map((text) => text.length));
/** 1 for the first character of some null string: text starting with any other is not null. */
const NULL_FIRST_CHAR = new Uint8Array(128);
for (const text of NULL_STRINGS) if (text !== '') NULL_FIRST_CHAR[text.charCodeAt(0)] = 1;

/** True when pandas would read this field as null (NaN/None). */
export function isNullText(text: string | undefined): boolean {
  if (text === undefined || text.length === 0) return true;
  // Length and first character settle nearly every field without hashing it into the set: this runs
  // for every field of every ingested row.
  if (text.length > MAX_NULL_LENGTH) return false;
  const first = text.charCodeAt(0);
  return first < 128 && NULL_FIRST_CHAR[first] === 1 && NULL_STRINGS.has(text);
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a numeric field: `null` for a null field, `NaN` for text that is not a finite decimal number
 * (`inf`, `1,5`, `abc`); otherwise the number.
 */
export function parseNumber(text: string | undefined): number | null {
  if (isNullText(text)) return null;
  const trimmed = (text as string).trim();
  if (!NUMBER.test(trimmed)) return Number.NaN;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : Number.NaN;
}

const isDigitCode = (code: number): boolean => code >= 48 && code <= 57;

/**
 * Whether a field is a plain decimal (`[+-]digits[.digits]`, at most 100 characters, no spaces or
 * exponent), which {@link parseNumber} always reads as a finite number. A char-code fast path for
 * validation; any other text must go through `parseNumber`.
 */
export function isPlainDecimal(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 100) return false;
  let i = 0;
  let code = text.charCodeAt(0);
  if (code === 43 || code === 45) i++; // + -
  const start = i;
  while (i < n && isDigitCode(text.charCodeAt(i))) i++;
  if (i === start) return false; // `.5` and `-` are left to the full parser
  if (i === n) return true;
  if (text.charCodeAt(i) !== 46) return false; // .
  for (i++; i < n; i++) {
    code = text.charCodeAt(i);
    if (!isDigitCode(code)) return false;
  }
  return true;
}

/**
 * Whether a field is an integer of at most 15 digits (`[+-]digits`), which {@link parseNumber} reads
 * as a safe integer. A fast path for validation, like {@link isPlainDecimal}.
 */
export function isShortInteger(text: string): boolean {
  const n = text.length;
  const signed = n > 0 && (text.charCodeAt(0) === 43 || text.charCodeAt(0) === 45) ? 1 : 0;
  if (n - signed < 1 || n - signed > 15) return false;
  for (let i = signed; i < n; i++) if (!isDigitCode(text.charCodeAt(i))) return false;
  return true;
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = {
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
};

/** Parses a boolean field as pandas does; `null` for null, `undefined` for anything else. */
export function parseBoolean(text: string | undefined): boolean | null | undefined {
  if (isNullText(text)) return null;
  return BOOLEAN_TEXT[(text as string).trim()];
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * Parses an ISO-8601 timestamp (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]`, `T` separator, optional
 * `Z`/`±HH:MM`) into milliseconds of a naive wall-clock (UTC-based, so no DST). An offset converts the
 * time to UTC. Returns `null` for a null field and `NaN` for text that is no valid timestamp.
 */
export function parseTimestamp(text: string | undefined): number | null {
  if (isNullText(text)) return null;
  const match = TIMESTAMP.exec((text as string).trim());
  if (!match) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return Number.NaN;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const check = new Date(ms);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return Number.NaN;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

/**
 * Whether a field is a real date-time written exactly `YYYY-MM-DD HH:MM:SS` (or with `T`), year
 * 1000..9999: {@link parseTimestamp} reads such text as a valid naive time on the date of its first ten
 * characters. A char-code fast path for validation; any other text must go through `parseTimestamp`.
 */
export function isCanonicalTimestamp(text: string): boolean {
  if (text.length !== 19) return false;
  const separator = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    (separator !== 32 && separator !== 84) ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return false;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  // Below year 1000 Date.UTC and formatDate behave differently (two-digit years, no padding): not here.
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
}

/** The decimal number of `count` digits at `from`; negative when one is not a digit. */
export function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `YYYY-MM-DD` of a naive timestamp. */
export function formatDate(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCFullYear()}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}`;
}

/** `YYYY-MM-DD HH:MM:SS[.mmm]` of a naive timestamp, as pandas writes datetimes. */
export function formatTimestamp(ms: number): string {
  const date = new Date(ms);
  const base = `${formatDate(ms)} ${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
  const millis = date.getUTCMilliseconds();
  return millis === 0 ? base : `${base}.${String(millis).padStart(3, '0')}000`;
}

/**
 * Formats a computed number as pandas writes a float64 cell: shortest round-trip digits, `''` for
 * NaN/null, `inf`/`-inf` for infinities.
 */
export function formatNumber(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  // For a finite number JSON.stringify is String() by the spec (Number::toString), and measured twice
  // as fast here. It also skips V8's number-to-string cache, which keeps every recent result alive:
  // with String(), all of a transform's profit and margin texts were promoted to the old generation.
  return JSON.stringify(value);
}

/** A computed value as its CSV cell: numbers as pandas writes a float, booleans `true`/`false`, null empty. */
export function formatValue(value: number | string | boolean | null | undefined): string {
  switch (typeof value) {
    case 'number':
      return formatNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return value;
    default:
      return '';
  }
}
