import { type ErrorLocation, InputError } from '../errors.ts';

// The CSV format's shared pieces: the table types, the batch size, the header rule, and the writer's
// formatting. Reading is in csv-reader.ts.

/** Rows of a CSV table arrive in batches; one batch is a few hundred rows of string fields. */
export type RowBatch = string[][];

/** A CSV table being read: the header now, the rows as they stream. */
export interface CsvTable {
  header: string[];
  batches: AsyncIterable<RowBatch>;
}

/**
 * Rows per batch. Small enough that a batch in flight (held while its rows are written) is not promoted
 * to V8's old generation by the garbage collector: 512 rows gave the same speed as 2048 and a lower
 * peak RSS (docs/performance.md).
 */
export const DEFAULT_BATCH = 512;

/** Refuses a header with duplicate or empty column names (`DUPLICATE_COLUMNS`, `MALFORMED_CSV`). */
export function assertUniqueColumns(header: string[], location: ErrorLocation): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const name of header) (seen.has(name) ? duplicates : seen).add(name);
  if (duplicates.size > 0) {
    throw new InputError(`duplicate column names in the header: ${[...duplicates].join(', ')}`, {
      code: 'DUPLICATE_COLUMNS',
      location,
    });
  }
  if (header.some((name) => name === '')) {
    throw new InputError('the header has an empty column name', {
      code: 'MALFORMED_CSV',
      location: { ...location, row: 0 },
    });
  }
}

/** Whether a field must be quoted (RFC 4180): it holds a quote, a comma or a line break. */
export function needsQuotes(value: string): boolean {
  // A char-code scan: this runs for every field written, and fields are short, so it beats a regex.
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 44 || code === 34 || code === 10 || code === 13) return true;
  }
  return false;
}

/** One CSV field, quoted only when it must be (RFC 4180). */
export function csvField(value: string): string {
  return needsQuotes(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Fields `from`..`to` of a row as one CSV line, without its line ending. The fields are joined natively
 * first; the line is right as it is when it holds no quote or line break and exactly one comma per
 * field boundary (nearly always), checked with native searches instead of a scan of every field.
 */
export function formatCsvLine(row: readonly string[], from = 0, to = row.length): string {
  const line = from === 0 && to === row.length ? row.join(',') : row.slice(from, to).join(',');
  if (line.indexOf('"') < 0 && line.indexOf('\n') < 0 && line.indexOf('\r') < 0) {
    let commas = 0;
    for (let at = line.indexOf(','); at >= 0; at = line.indexOf(',', at + 1)) commas++;
    if (commas === to - from - 1) return line;
  }
  return quotedLine(row, from, to);
}

function quotedLine(row: readonly string[], from: number, to: number): string {
  const fields: string[] = [];
  for (let i = from; i < to; i++) fields.push(csvField(row[i] as string));
  return fields.join(',');
}

/** Formats rows as CSV lines (LF endings); the product's own writer for the objects it writes. */
export function formatCsvRows(rows: readonly (readonly string[])[]): string {
  return joinCsvLines(rows.map((row) => formatCsvLine(row)));
}

/** Lines (without endings) as CSV text with LF endings: one flat string, built natively. */
export function joinCsvLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
