import { isUtf8 } from 'node:buffer';
import type { Readable, Transform } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
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
  const source = decodeStrictUtf8(input, location);
  // Feed the parser from our UTF-8 checker; errors from either side end the iteration below.
  const feeding = (async () => {
    try {
      for await (const text of source) {
        if (!parser.write(text)) await drainedOrClosed(parser);
        // The reader stopped early or failed (see `release`): stop reading the input.
        if (parser.destroyed) return;
      }
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  // When the rows are not read to the end (an error, or a consumer that stops early), the input must
  // still be closed: otherwise its file descriptor or socket stays open, waiting for a reader.
  const release = () => {
    parser.destroy();
    if (typeof (input as Readable).destroy === 'function') (input as Readable).destroy();
  };

  let header: string[];
  try {
    const first = await nextRecord(records, location, 0);
    if (first.done) {
      await feeding;
      throw new InputError('the file is empty: no header row', { code: 'EMPTY_FILE', location });
    }
    header = first.value;
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
      for (;;) {
        const next = await nextRecord(records, location, row + 1);
        if (next.done) break;
        row += 1;
        batch.push(next.value);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      await feeding;
      complete = true;
    } finally {
      if (!complete) release();
    }
  }
  return { header, batches: batches() } satisfies CsvTable;
}

/** Resolves when a backed-up parser can take more input, or when it was destroyed and never will. */
function drainedOrClosed(parser: Transform): Promise<void> {
  return new Promise<void>((resolve) => {
    if (parser.destroyed) return resolve();
    const done = () => {
      parser.off('drain', done);
      parser.off('close', done);
      resolve();
    };
    parser.once('drain', done);
    parser.once('close', done);
  });
}

async function nextRecord(records: AsyncIterator<string[]>, location: ErrorLocation, row: number) {
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
 * Each chunk is checked with `isUtf8` and decoded with `toString`, both native and several times faster
 * than a fatal `TextDecoder`; a sequence cut by the chunk's end is carried over to the next chunk.
 */
export async function* decodeStrictUtf8(
  input: Readable | AsyncIterable<Uint8Array | string>,
  location: ErrorLocation = {},
): AsyncGenerator<string> {
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
    if (complete > 0) yield head.toString('utf8');
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
