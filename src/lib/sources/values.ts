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

/** True when pandas would read this field as null (NaN/None). */
export const isNullText = (text: string | undefined): boolean => text === undefined || NULL_STRINGS.has(text);

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
  return String(value);
}
