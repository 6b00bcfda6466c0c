import { parse } from 'csv-parse/sync';
import { isNullText, parseTimestamp } from '../../src/lib/sources/values.ts';

/** How two CSV tables are compared: text by text, with the leeway pandas' formatting needs. */
export interface CompareOptions {
  /** Columns holding datetimes: pandas pads them to the column's finest precision, so compare instants. */
  timestampColumns?: readonly string[];
  /** Relative tolerance for numbers (pandas writes `3.0` for `3`, `1e-05` for `0.00001`). */
  tolerance?: number;
  /** Named in the differences. */
  label?: string;
}

const BOOLEAN: Readonly<Record<string, string>> = {
  True: 'true',
  true: 'true',
  False: 'false',
  false: 'false',
};

/** Reads CSV text into a header and rows. */
export function readCsvText(text: string): { header: string[]; rows: string[][] } {
  const [header = [], ...rows] = parse(text, { bom: true, skip_empty_lines: true }) as string[][];
  return { header, rows };
}

/**
 * Compares CSV tables cell by cell and returns the differences (none when they match): same header,
 * same row count; cells equal as text, or both null (pandas' NA strings), or the same boolean, the same
 * instant (timestamp columns), or numbers within `tolerance` relative.
 */
export function compareCsv(actualText: string, expectedText: string, options: CompareOptions = {}): string[] {
  const actual = readCsvText(actualText);
  const expected = readCsvText(expectedText);
  const label = options.label ?? 'table';
  const tolerance = options.tolerance ?? 1e-9;
  if (actual.header.join(',') !== expected.header.join(',')) {
    return [`${label}: header ${actual.header.join(',')} != ${expected.header.join(',')}`];
  }
  const differences: string[] = [];
  if (actual.rows.length !== expected.rows.length) {
    differences.push(`${label}: ${actual.rows.length} rows != ${expected.rows.length}`);
  }
  const timestamps = new Set(options.timestampColumns ?? []);
  const rows = Math.min(actual.rows.length, expected.rows.length);
  for (let r = 0; r < rows && differences.length < 50; r++) {
    expected.header.forEach((column, c) => {
      const a = actual.rows[r]?.[c] ?? '';
      const e = expected.rows[r]?.[c] ?? '';
      if (!cellsEqual(a, e, timestamps.has(column), tolerance)) {
        differences.push(`${label} row ${r + 1} ${column}: ${JSON.stringify(a)} != ${JSON.stringify(e)}`);
      }
    });
  }
  return differences;
}

function cellsEqual(a: string, e: string, isTimestamp: boolean, tolerance: number): boolean {
  if (a === e) return true;
  if (isNullText(a) || isNullText(e)) return isNullText(a) && isNullText(e);
  if (BOOLEAN[a] !== undefined && BOOLEAN[a] === BOOLEAN[e]) return true;
  if (isTimestamp) return parseTimestamp(a) === parseTimestamp(e);
  return numbersClose(a, e, tolerance);
}

/** Both texts are numbers (inf included) and equal within `tolerance` relative to the expected one. */
export function numbersClose(a: string, e: string, tolerance = 1e-9): boolean {
  const x = toNumber(a);
  const y = toNumber(e);
  if (x === undefined || y === undefined) return false;
  if (x === y) return true;
  return Math.abs(x - y) <= tolerance * Math.max(Math.abs(y), Number.MIN_VALUE);
}

function toNumber(text: string): number | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower)) return undefined;
  return Number(lower);
}
