import { parse } from 'csv-parse/sync';

/** A whole table as read, or the code of the error that refused it. */
export type ReferenceTable = { header: string[]; rows: string[][] } | { error: string };

/**
 * What `readCsv` must make of `text`, by csv-parse (an independent parser) with the same rules: strict
 * quoting, a BOM stripped, blank lines skipped, every record the header's width, a header of unique,
 * non-empty names. csv-parse takes the first line ending it meets as the only one, so texts given here
 * keep to one kind. It parses the whole text before the header is checked, so where a text has two
 * faults it may name another one first.
 */
export function csvParseReference(text: string): ReferenceTable {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true });
  } catch {
    return { error: 'MALFORMED_CSV' };
  }
  const [header, ...rows] = records;
  if (header === undefined) return { error: 'EMPTY_FILE' };
  if (new Set(header).size !== header.length) return { error: 'DUPLICATE_COLUMNS' };
  if (header.includes('')) return { error: 'MALFORMED_CSV' };
  return { header, rows };
}
