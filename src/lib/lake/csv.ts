import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { type CsvError, type Parser, parse } from 'csv-parse';
import { type ErrorLocation, InputError } from '../errors.ts';

/** Rows of a CSV table arrive in batches; one batch is a few thousand rows of string fields. */
export type RowBatch = string[][];

/** A CSV table being read: the header now, the rows as they stream. */
export interface CsvTable {
  header: string[];
  batches: AsyncIterable<RowBatch>;
}

export interface ReadCsvOptions {
  /** Named in error messages. */
  location?: ErrorLocation;
  /** Rows per batch. Default 2048. */
  batchSize?: number;
  /** Refuse a record larger than this many bytes. Default 1 MiB. */
  maxRecordBytes?: number;
  /** Field delimiter. Default `,`. */
  delimiter?: string;
}

const DEFAULT_BATCH = 2048;

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
      const chunk = await this.chunks.next();
      if (chunk.done) {
        // The last record is only parsed at the end of the input; the stream hands it over.
        this.ended = true;
        parser.end();
        for await (const record of parser) records.push(record as string[]);
        return records.length > 0 ? records : undefined;
      }
      parser.write(chunk.value);
    }
    return undefined;
  }
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

function assertUniqueColumns(header: string[], location: ErrorLocation): void {
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

/**
 * Decodes UTF-8 strictly, so a Latin-1 file fails with its byte offset instead of turning into U+FFFD.
 * See {@link validUtf8Chunks}.
 */
export async function* decodeStrictUtf8(
  input: Readable | AsyncIterable<Uint8Array | string>,
  location: ErrorLocation = {},
): AsyncGenerator<string> {
  for await (const chunk of validUtf8Chunks(input, location)) {
    yield typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  }
}

/**
 * The input's bytes, checked to be UTF-8 (strings pass through): each chunk is checked with `isUtf8`,
 * native and several times faster than a fatal `TextDecoder`, and a sequence cut by the chunk's end is
 * carried over to the next chunk, so every chunk yielded holds whole characters.
 * @throws InputError `INVALID_ENCODING` with the byte range of the bad chunk
 */
export async function* validUtf8Chunks(
  input: Readable | AsyncIterable<Uint8Array | string>,
  location: ErrorLocation = {},
): AsyncGenerator<Buffer | string> {
  let carry: Buffer | undefined;
  let offset = 0;
  for await (const chunk of input) {
    if (typeof chunk === 'string') {
      yield chunk;
      continue;
    }
    const view = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const bytes = carry ? Buffer.concat([carry, view]) : view;
    const complete = completeLength(bytes);
    const head = bytes.subarray(0, complete);
    if (!isUtf8(head)) {
      const from = offset - (carry?.length ?? 0);
      throw new InputError(`the file is not valid UTF-8 (bad bytes within ${from}..${from + bytes.length})`, {
        code: 'INVALID_ENCODING',
        location,
      });
    }
    // A copy: the stream may reuse the chunk's memory, and the tail is at most three bytes.
    carry = complete < bytes.length ? Buffer.from(bytes.subarray(complete)) : undefined;
    offset += view.length;
    if (complete > 0) yield head;
  }
  if (carry) {
    throw new InputError('the file is not valid UTF-8 (truncated sequence at the end)', {
      code: 'INVALID_ENCODING',
      location,
    });
  }
}

/**
 * How many leading bytes form whole UTF-8 sequences, leaving out a sequence cut short at the end. Only
 * the last four bytes are looked at; anything malformed is left for `isUtf8` to refuse.
 */
function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  let lead = n - 1;
  while (lead >= 0 && lead > n - 4 && ((bytes[lead] as number) & 0xc0) === 0x80) lead--;
  if (lead < 0) return n;
  const byte = bytes[lead] as number;
  const length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return lead + length > n ? lead : n;
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
 * Fields `from`..`to` of a row as one CSV line, without its line ending. A row without fields to quote
 * (nearly all) is joined natively into one flat string, without a string per field.
 */
export function formatCsvLine(row: readonly string[], from = 0, to = row.length): string {
  for (let i = from; i < to; i++) {
    if (needsQuotes(row[i] as string)) return quotedLine(row, from, to);
  }
  return from === 0 && to === row.length ? row.join(',') : row.slice(from, to).join(',');
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
