import type { ColumnType } from '../definition/schema.ts';
import {
  digits,
  formatValue,
  isNullText,
  isPlainDecimal,
  parseBoolean,
  parseNumber,
  parseTimestamp,
} from '../sources/values.ts';
import { DAY_MS } from './parquet-schema.ts';

// How the cells the Parquet writer takes (typed values, or text as CSV holds it) become the values a
// column stores, and how a column whose type nobody declared (a function's result) gets one.

/** A cell the writer takes: a typed value (as operations hold them) or text (as CSV gives it). */
export type ParquetCell = string | number | bigint | boolean | null | undefined;

/** A value as a Parquet column stores it: INT64 as bigint, DATE as days, TIMESTAMP as µs bigint. */
export type Stored = bigint | number | string | boolean | null;

/** A cell converted to what the column stores; throws a message (completed by the caller) when it cannot. */
export type Converter = (cell: ParquetCell) => Stored;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** At most 18 digits always fits in an INT64: read exactly with BigInt, not through a double. */
const SHORT_INTEGER = /^[+-]?\d{1,18}$/;
/** A fraction of a second after the seconds of a timestamp's text. */
const FRACTION = /:\d{2}\.(\d+)/;

/** The converter of a column type. */
export function converterFor(type: ColumnType): Converter {
  switch (type) {
    case 'string':
      return toText;
    case 'int':
      return toInt64;
    case 'float':
      return toDouble;
    case 'bool':
      return toBoolean;
    case 'date':
      return toDays;
    case 'datetime':
      return toMicros;
  }
}

/** Keeps a cell as it came, until its column's type is known (see {@link inferType}). */
export const keepCell: Converter = (cell) => (cell === undefined ? null : (cell as Stored));

/**
 * The type of a column nobody declared (a `derive` function's result), from the typed values of its
 * first row group, as the function gave them: numbers make a `float` column, booleans a `bool` one,
 * strings (even `'001'`, which a number would read back as `1`) or a mix a `string` one, and so does a
 * column of nulls only. DOUBLE, not INT64, for numbers: a function that gave whole numbers in the first
 * group may give fractions later.
 */
export function inferType(cells: readonly Stored[]): ColumnType {
  let numbers = 0;
  let booleans = 0;
  for (const cell of cells) {
    if (cell === null || (typeof cell === 'number' && Number.isNaN(cell))) continue;
    if (typeof cell === 'number' || typeof cell === 'bigint') numbers++;
    else if (typeof cell === 'boolean') booleans++;
    else return 'string';
  }
  if (numbers > 0 && booleans === 0) return 'float';
  if (booleans > 0 && numbers === 0) return 'bool';
  return 'string';
}

/** Text as is, `''` as null (the product writes a null as an empty CSV field); a typed value as its CSV cell. */
function toText(cell: ParquetCell): string | null {
  if (cell === null || cell === undefined || cell === '') return null;
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'bigint') return cell.toString();
  const text = formatValue(cell);
  return text === '' ? null : text;
}

function toInt64(cell: ParquetCell): bigint | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'bigint') {
    if (cell < INT64_MIN || cell > INT64_MAX) throw new Error('not a 64-bit integer');
    return cell;
  }
  if (typeof cell === 'number') {
    if (Number.isNaN(cell)) return null; // a null number, as operations hold it
    if (!Number.isSafeInteger(cell)) throw new Error('not an integer');
    return BigInt(cell);
  }
  if (typeof cell !== 'string') throw new Error('not an integer');
  if (cell.length < 16 && isPlainDecimal(cell) && cell.indexOf('.') < 0) return BigInt(Number(cell));
  if (isNullText(cell)) return null;
  const trimmed = cell.trim();
  if (SHORT_INTEGER.test(trimmed)) return BigInt(trimmed);
  // A whole number written as a float (`3.0`): pandas writes an int column with nulls that way.
  const value = parseNumber(trimmed);
  if (value === null || !Number.isSafeInteger(value)) throw new Error('not an integer');
  return BigInt(value);
}

function toDouble(cell: ParquetCell): number | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number') return Number.isNaN(cell) ? null : cell;
  if (typeof cell === 'bigint') return Number(cell);
  if (typeof cell !== 'string') throw new Error('not a number');
  // Nearly every cell: read as parseNumber would, without its null set, trim and regex.
  if (isPlainDecimal(cell)) return Number(cell);
  if (isNullText(cell)) return null;
  const trimmed = cell.trim();
  // As formatNumber writes infinities.
  if (trimmed === 'inf') return Number.POSITIVE_INFINITY;
  if (trimmed === '-inf') return Number.NEGATIVE_INFINITY;
  const value = parseNumber(trimmed);
  if (value === null || Number.isNaN(value)) throw new Error('not a number');
  return value;
}

function toBoolean(cell: ParquetCell): boolean | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'boolean') return cell;
  if (typeof cell !== 'string') throw new Error('not a boolean');
  const value = parseBoolean(cell);
  if (value === undefined) throw new Error('not a boolean');
  return value;
}

/** Days since 1970-01-01; a time of day other than midnight is refused rather than dropped. */
function toDays(cell: ParquetCell): number | null {
  const micros = toMicros(cell);
  if (micros === null) return null;
  const ms = Number(micros / 1000n);
  if (micros % 1000n !== 0n || ms % DAY_MS !== 0) throw new Error('not a date (it has a time of day)');
  return ms / DAY_MS;
}

/** Microseconds since 1970-01-01 UTC of a date-time's text (naive as UTC, an offset converted). */
function toMicros(cell: ParquetCell): bigint | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell !== 'string') throw new Error('not a date-time');
  // The engine's own text (`parse`, time parts) is canonical: read by char codes, the regex skipped.
  const canonical = canonicalMs(cell);
  if (canonical !== undefined) {
    const micros = canonical * 1000;
    // Exact as a double up to 2^53 µs (the year 2255); further out, multiplied as a bigint.
    return Number.isSafeInteger(micros) ? BigInt(micros) : BigInt(canonical) * 1000n;
  }
  const ms = parseTimestamp(cell);
  if (ms === null) return null;
  if (Number.isNaN(ms)) throw new Error('not a date-time');
  // parseTimestamp keeps milliseconds; the fraction's next three digits are the microseconds.
  const fraction = FRACTION.exec(cell)?.[1];
  const micros = fraction && fraction.length > 3 ? Number(fraction.padEnd(6, '0').slice(3, 6)) : 0;
  return BigInt(ms) * 1000n + BigInt(micros);
}

/** Milliseconds of each day's midnight by `YYYYMMDD`, NaN for no real day: a dataset has few days. */
const midnights = new Map<number, number>();
const MIDNIGHTS_LIMIT = 10_000;

/**
 * Milliseconds of a canonical `YYYY-MM-DD HH:MM:SS` (space or `T`) or of a date `YYYY-MM-DD`, year
 * 1000 on, as `parseTimestamp` reads them; undefined for any other text, which `parseTimestamp` reads.
 */
function canonicalMs(text: string): number | undefined {
  const length = text.length;
  if ((length !== 19 && length !== 10) || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45)
    return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const ymd = year * 10_000 + month * 100 + day;
  let midnight = midnights.get(ymd);
  if (midnight === undefined) {
    const ms = Date.UTC(year, month - 1, day);
    // A day past the month's end rolls over into the next month: not a real date.
    midnight = new Date(ms).getUTCDate() === day ? ms : Number.NaN;
    if (midnights.size >= MIDNIGHTS_LIMIT) midnights.clear();
    midnights.set(ymd, midnight);
  }
  if (Number.isNaN(midnight)) return undefined;
  if (length === 10) return midnight;
  const separator = text.charCodeAt(10);
  if ((separator !== 32 && separator !== 84) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58)
    return undefined;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  return midnight + ((hour * 60 + minute) * 60 + second) * 1000;
}
