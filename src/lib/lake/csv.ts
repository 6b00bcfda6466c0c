import type { Readable } from 'node:stream';
import { type CsvError, type Parser, parse } from 'csv-parse';
import { type ErrorLocation, InputError } from '../errors.ts';
import { validUtf8Chunks } from './utf8.ts';

// The UTF-8 checks live in utf8.ts; they are part of this module's API too.
export { decodeStrictUtf8, validUtf8Chunks } from './utf8.ts';

/** Rows of a CSV table arrive in batches; one batch is a few hundred rows of string fields. */
export type RowBatch = string[][];

/** A CSV table being read: the header now, the rows as they stream. */
export interface CsvTable {
  header: string[];
  batches: AsyncIterable<RowBatch>;
}

export interface ReadCsvOptions {
  /** Named in error messages. */
  location?: ErrorLocation;
  /** Rows per batch. Default {@link DEFAULT_BATCH}. */
  batchSize?: number;
  /** Refuse a record larger than this many bytes. Default 1 MiB. */
  maxRecordBytes?: number;
  /** Field delimiter. Default `,`. */
  delimiter?: string;
}

/**
 * Rows per batch. Small enough that a batch in flight (held while its rows are written) is not promoted
 * to V8's old generation by the garbage collector: 512 rows gave the same speed as 2048 and a lower
 * peak RSS (docs/performance.md).
 */
export const DEFAULT_BATCH = 512;

/**
 * Parses CSV from a byte stream with csv-parse: strict quoting, a BOM stripped, blank lines skipped
 * (as pandas does), every row the header's width. Errors name the object, row and CSV error code.
 * @throws InputError `EMPTY_FILE`, `MALFORMED_CSV`, `DUPLICATE_COLUMNS`, `INVALID_ENCODING`
 */
export async function readCsv(
  input: Readable | AsyncIterable<Uint8Array | string>,
  options: ReadCsvOptions = {},
) {
  const parser = parse({
    bom: true,
    delimiter: options.delimiter ?? ',',
    skip_empty_lines: true,
    max_record_size: options.maxRecordBytes ?? 1024 * 1024,
  });
  const location = options.location ?? {};
  // csv-parse reads bytes: it gets the checked chunks as they are, not decoded and encoded again.
  const records = new ParsedRecords(parser, validUtf8Chunks(input, location)[Symbol.asyncIterator]());
  // When the rows are not read to the end (an error, or a consumer that stops early), the input must
  // still be closed: otherwise its file descriptor or socket stays open, waiting for a reader.
  const release = () => {
    parser.destroy();
    if (typeof (input as Readable).destroy === 'function') (input as Readable).destroy();
  };

  let header: string[];
  let pending: string[][];
  try {
    const first = await nextRecords(records, location, 0);
    if (first === undefined) {
      throw new InputError('the file is empty: no header row', { code: 'EMPTY_FILE', location });
    }
    header = first[0] as string[];
    pending = first.slice(1);
    assertUniqueColumns(header, location);
  } catch (error) {
    release();
    throw error;
  }

  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  async function* batches(): AsyncGenerator<RowBatch> {
    let batch: RowBatch = [];
    let row = 0;
    let complete = false;
    try {
      for (let parsed: string[][] | undefined = pending; parsed; ) {
        for (const record of parsed) {
          row += 1;
          batch.push(record);
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
        parsed = await nextRecords(records, location, row + 1);
      }
      if (batch.length > 0) yield batch;
      complete = true;
    } finally {
      if (!complete) release();
    }
  }
  return { header, batches: batches() } satisfies CsvTable;
}

/**
 * csv-parse driven by hand: each decoded chunk is written to the parser, which parses it synchronously,
 * and its records are then taken with `read()` in a loop. Iterating the parser's stream instead cost a
 * promise and a microtask per record, about an eighth of an ingestion's parse time.
 */
class ParsedRecords {
  private ended = false;
  /** What is left of the current input chunk: it is parsed a slice at a time. */
  private rest: Buffer | string = '';

  constructor(
    private readonly parser: Parser,
    private readonly chunks: AsyncIterator<Buffer | string>,
  ) {
    // Errors are taken from `parser.errored` after each write; without a listener the stream would
    // also raise them as an uncaught 'error' event.
    parser.on('error', () => undefined);
  }

  /** The records parsed from the next chunk(s) of input (never empty); undefined at the end. */
  async next(): Promise<string[][] | undefined> {
    const { parser } = this;
    while (!this.ended) {
      const records: string[][] = [];
      for (let record = parser.read(); record !== null; record = parser.read()) records.push(record);
      if (parser.errored) throw parser.errored;
      if (records.length > 0) return records;
      if (this.rest.length > 0) {
        // A slice at a time, so a few hundred records wait for the consumer, not a chunk's thousands:
        // records held across a write's wait survive garbage collections and get promoted.
        const cut = sliceEnd(this.rest, PARSE_SLICE);
        parser.write(this.rest.slice(0, cut));
        this.rest = this.rest.slice(cut);
        continue;
      }
      const chunk = await this.chunks.next();
      if (chunk.done) {
        // The last record is only parsed at the end of the input; the stream hands it over.
        this.ended = true;
        parser.end();
        for await (const record of parser) records.push(record as string[]);
        return records.length > 0 ? records : undefined;
      }
      this.rest = chunk.value;
    }
    return undefined;
  }
}

/** Bytes (or characters) of input parsed at a time; see {@link ParsedRecords}. */
const PARSE_SLICE = 32 * 1024;

/** Where to cut `data` after at most `max` units: the end, or before a UTF-8 character starts. */
function sliceEnd(data: Buffer | string, max: number): number {
  if (data.length <= max) return data.length;
  let cut = max;
  if (typeof data === 'string') {
    // Never between the two halves of a surrogate pair: each slice is encoded on its own.
    const code = data.charCodeAt(cut - 1);
    return code >= 0xd800 && code <= 0xdbff ? cut - 1 : cut;
  }
  while (cut > 0 && ((data[cut] as number) & 0xc0) === 0x80) cut--;
  return cut;
}

async function nextRecords(records: ParsedRecords, location: ErrorLocation, row: number) {
  try {
    return await records.next();
  } catch (error) {
    throw wrapCsvError(error, location, row);
  }
}

function wrapCsvError(error: unknown, location: ErrorLocation, row: number): Error {
  if (error instanceof InputError) return error;
  const csvError = error as CsvError & { records?: number; lines?: number };
  // csv-parse names one of its errors without the CSV_ prefix: a quote inside an unquoted field.
  const code = csvError?.code;
  if (typeof code === 'string' && (code.startsWith('CSV_') || code === 'INVALID_OPENING_QUOTE')) {
    const line = csvError.lines !== undefined ? `, line ${csvError.lines}` : '';
    return new InputError(`malformed CSV: ${csvError.message} [${csvError.code}${line}]`, {
      code: 'MALFORMED_CSV',
      cause: error,
      location: { ...location, row: csvError.records ?? row },
    });
  }
  return error as Error;
}

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
