import type { Readable } from 'node:stream';
import { type ErrorLocation, InputError } from '../errors.ts';
import { assertUniqueColumns, type CsvTable, DEFAULT_BATCH, type RowBatch } from './csv.ts';
import { MORE, RecordParser } from './csv-records.ts';
import { decodeStrictUtf8 } from './utf8.ts';

/** How {@link readCsv} reads a table. */
export interface ReadCsvOptions {
  /** Named in error messages. */
  location?: ErrorLocation;
  /** Rows per batch. Default {@link DEFAULT_BATCH}. */
  batchSize?: number;
  /**
   * Refuse a record longer than this, counted in UTF-16 code units of the decoded text (never more
   * than its UTF-8 bytes, equal for ASCII). Default 1 MiB.
   */
  maxRecordBytes?: number;
  /** Field delimiter: one UTF-16 code unit other than a quote, CR or LF. Default `,`. */
  delimiter?: string;
  /**
   * Picks the columns whose values are needed, given the header; the others read as `''` without
   * being copied out of the text (a quality suite reads only its checks' columns).
   */
  columns?: (header: readonly string[]) => Iterable<number>;
  /**
   * Cells to reserve in each row, given the header (default its width): a consumer that appends
   * columns to the rows then never regrows them (the transform appends its derived columns).
   */
  rowCapacity?: (header: readonly string[]) => number;
}

/**
 * Reads CSV from a stream of bytes (or text), for every table the product reads: input files and the
 * lake's own objects. Strict RFC 4180 quoting, a BOM stripped, blank lines skipped, CRLF, LF and
 * lone-CR line ends all accepted (as pandas does), every row the header's width, strict UTF-8. A
 * hand-written scanner that slices fields out of the decoded text: csv-parse's per-field callbacks
 * and buffers cost about ten times as much per row. The input is destroyed when the rows are not read
 * to the end.
 * @throws RangeError for a delimiter it cannot use
 * @throws InputError `EMPTY_FILE`, `MALFORMED_CSV` (quoting, a row of another width, a record over
 * `maxRecordBytes`, an empty column name), `DUPLICATE_COLUMNS`, `INVALID_ENCODING`, each naming the
 * location and, for a record, its row (the header is row 0)
 */
export async function readCsv(
  input: Readable | AsyncIterable<Uint8Array | string>,
  options: ReadCsvOptions = {},
): Promise<CsvTable> {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(
      `CSV delimiter ${JSON.stringify(delimiter)}: must be one character, not a quote or line break`,
    );
  }
  const location = options.location ?? {};
  const parser = new RecordParser(
    decodeStrictUtf8(input, location)[Symbol.asyncIterator](),
    delimiter.charCodeAt(0),
    options.maxRecordBytes ?? 1024 * 1024,
    location,
  );
  // When the rows are not read to the end (an error, or a consumer that stops early), the input must
  // still be closed: otherwise its file descriptor or socket stays open, waiting for a reader.
  const release = () => {
    if (typeof (input as Readable).destroy === 'function') (input as Readable).destroy();
  };
  let header: string[];
  try {
    let first = parser.take();
    while (first === MORE) {
      await parser.fill();
      first = parser.take();
    }
    if (first === undefined)
      throw new InputError('the file is empty: no header row', { code: 'EMPTY_FILE', location });
    header = first;
    assertUniqueColumns(header, location);
  } catch (error) {
    release();
    throw error;
  }
  const width = header.length;
  parser.expectWidth(width, options.rowCapacity?.(header) ?? width);
  if (options.columns) parser.keepOnly(options.columns(header), width);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;

  async function* batches(): AsyncGenerator<RowBatch> {
    let complete = false;
    try {
      let batch: RowBatch = [];
      for (let row = 1; ; row++) {
        // Records already in the decoded text are taken synchronously; only a refill awaits.
        let record = parser.take();
        while (record === MORE) {
          await parser.fill();
          record = parser.take();
        }
        if (record === undefined) break;
        if (record.length !== width) {
          throw new InputError(`malformed CSV: the row has ${record.length} fields, the header ${width}`, {
            code: 'MALFORMED_CSV',
            location: { ...location, row },
          });
        }
        batch.push(record);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      complete = true;
    } finally {
      if (!complete) release();
    }
  }
  return { header, batches: batches() };
}
