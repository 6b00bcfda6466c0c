import type { ColumnType } from '../definition/schema.ts';
import {
  isCanonicalTimestamp,
  isPlainDecimal,
  isShortInteger,
  parseBoolean,
  parseNumber,
  parseTimestamp,
} from '../sources/values.ts';

/** Values and words of the schema validator's messages (validate.ts). */

const MAX_SHOWN = 80;
const SUSPECT_DELIMITERS = [';', '\t', '|'];

/** Whether a non-null text is a value of the column type. */
export function isValid(type: ColumnType, text: string): boolean {
  switch (type) {
    case 'string':
      return true;
    case 'int': {
      if (isShortInteger(text)) return true; // the common spelling, settled without parsing
      // A whole number written as a float ("3.0") is accepted: pandas writes an int column that has
      // nulls as floats, so such files are common.
      const value = parseNumber(text);
      return value !== null && Number.isSafeInteger(value);
    }
    case 'float':
      return isPlainDecimal(text) || !Number.isNaN(parseNumber(text));
    case 'datetime':
    case 'date':
      return isCanonicalTimestamp(text) || !Number.isNaN(parseTimestamp(text));
    case 'bool':
      return parseBoolean(text) !== undefined;
  }
}

/** A time's zone in words: `naive (no UTC offset)` or `at UTC offset +02:00`. */
export function zoneText(zone: number | null): string {
  if (zone === null) return 'naive (no UTC offset)';
  const minutes = Math.abs(zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `at UTC offset ${zone < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The offending text for a message: quoted, at most 80 characters. */
export function shownText(text: string): string {
  return JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text);
}

/** A one-column header holding another delimiter usually means the file was split on the wrong one. */
export function delimiterHint(header: readonly string[]): string {
  if (header.length !== 1) return '';
  const found = SUSPECT_DELIMITERS.find((delimiter) => (header[0] as string).includes(delimiter));
  if (found === undefined) return '';
  const name = found === '\t' ? 'a tab' : `'${found}'`;
  return ` (the header is a single column containing ${name}: is the file delimited by ${name} instead of ','?)`;
}
