import { isNullText } from '../sources/values.ts';

/**
 * How `pandas.read_csv` sees a field, with character checks instead of regexes because these run for
 * every field of every row.
 */

/** True when `read_csv` reads the field as NaN: the ingestion's own check, shared so both agree. */
export const isNull = isNullText;

const isAsciiSpace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13);
const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/**
 * A numeric field as pandas' C parser reads it: `NaN` for a null field, the number for a decimal
 * (surrounding ASCII spaces, sign, `1.`, `.5`, exponent allowed) or for `inf`/`infinity` in any case,
 * and `undefined` for any other text, which would make pandas keep the whole column as strings.
 *
 * The value is computed as pandas' default parser (`precise_xstrtod`) computes it, which is not always
 * the correctly rounded double: at most 17 significant digits are accumulated in a double, then scaled
 * by a power of ten. `1312.1399999999999` (Python's repr of 3 * 437.38) reads as 1312.14, and sums and
 * roundings downstream depend on that last bit.
 */
export function readNumber(text: string): number | undefined {
  if (isNull(text)) return Number.NaN;
  const end = text.length;
  let i = 0;
  while (i < end && isAsciiSpace(text.charCodeAt(i))) i++;
  const start = i;
  let code = text.charCodeAt(i);
  const negative = code === 45;
  if (code === 43 || code === 45) code = text.charCodeAt(++i); // + -
  let number = 0;
  let digits = 0;
  let exponent = 0;
  while (isDigit(code)) {
    if (digits < MAX_DIGITS) {
      number = number * 10 + (code - 48);
      digits++;
    } else exponent++;
    code = text.charCodeAt(++i);
  }
  if (code === 46) {
    // .
    code = text.charCodeAt(++i);
    let decimals = 0;
    while (digits < MAX_DIGITS && isDigit(code)) {
      number = number * 10 + (code - 48);
      digits++;
      decimals++;
      code = text.charCodeAt(++i);
    }
    while (isDigit(code)) code = text.charCodeAt(++i);
    exponent -= decimals;
  }
  if (digits === 0) return readInfinity(text, start);
  if (negative) number = -number;
  if (code === 101 || code === 69) {
    // e E
    code = text.charCodeAt(++i);
    const negativeExponent = code === 45;
    if (code === 43 || code === 45) code = text.charCodeAt(++i);
    if (!isDigit(code)) return undefined;
    let n = 0;
    while (isDigit(code)) {
      n = n * 10 + (code - 48);
      code = text.charCodeAt(++i);
    }
    exponent += negativeExponent ? -n : n;
  }
  while (i < end && isAsciiSpace(text.charCodeAt(i))) i++;
  if (i !== end) return undefined;
  const value = scale(number, exponent);
  // pandas reads an overflowing decimal (1e400) as text, not as inf.
  return Number.isFinite(value) ? value : undefined;
}

/** At most this many significant digits are used, the rest only shift the exponent (as pandas). */
const MAX_DIGITS = 17;
/** `1e0..1e308`, correctly rounded like the C literals of pandas' table. */
const POWERS_OF_TEN = Array.from({ length: 309 }, (_, n) => Number(`1e${n}`));

function scale(number: number, exponent: number): number {
  if (exponent > 308) return Number.POSITIVE_INFINITY;
  if (exponent > 0) return number * (POWERS_OF_TEN[exponent] as number);
  if (exponent >= -308) return number / (POWERS_OF_TEN[-exponent] as number);
  if (exponent < -616) return 0;
  // Subnormal results: divided in two steps, as pandas does.
  return number / (POWERS_OF_TEN[-308 - exponent] as number) / (POWERS_OF_TEN[308] as number);
}

const INFINITY_WORDS: ReadonlyMap<string, number> = new Map([
  ['inf', Number.POSITIVE_INFINITY],
  ['+inf', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
  ['infinity', Number.POSITIVE_INFINITY],
  ['+infinity', Number.POSITIVE_INFINITY],
  ['-infinity', Number.NEGATIVE_INFINITY],
]);

function readInfinity(text: string, start: number): number | undefined {
  const rest = text.length - start;
  if (rest < 3 || rest > 12) return undefined;
  // Only `inf`/`infinity` (after spaces and a sign) can follow: look before trimming and lower-casing
  // (text columns reach here for every value).
  let i = start;
  const sign = text.charCodeAt(i);
  if (sign === 43 || sign === 45) i++;
  const first = text.charCodeAt(i);
  if (first !== 105 && first !== 73) return undefined; // i I
  return INFINITY_WORDS.get(text.trim().toLowerCase());
}

/**
 * Python's `str.isspace()` set, which `str.strip()` removes: ASCII whitespace, the information
 * separators U+001C..U+001F, NEL, NBSP and the Unicode space separators (but not U+FEFF, unlike JS).
 */
export function isPythonSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13) || (code >= 28 && code <= 31);
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** Python's `str.strip()` with no arguments. */
export function pythonStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPythonSpace(text.charCodeAt(start))) start++;
  while (end > start && isPythonSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Python's `str < str`: by code point (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate starts an astral code point, above every BMP one (U+E000..U+FFFF included).
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
