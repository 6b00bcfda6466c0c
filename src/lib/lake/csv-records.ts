import { type ErrorLocation, InputError } from '../errors.ts';

const QUOTE = 34;
const LF = 10;
const CR = 13;
/** What {@link RecordParser.take} returns when the text ran out in the middle of a record. */
export const MORE = null;

/**
 * Splits decoded CSV text into records as its chunks come in, for `readCsv` (csv-reader.ts), which
 * checks the header and the rows' width.
 */
export class RecordParser {
  private text = '';
  private pos = 0;
  /**
   * Where the next LF, quote and CR are in `text` at or after `pos` (`text.length` for none; -1 when
   * not searched yet). Found with native `indexOf` and reused until passed, so the common record (one
   * line, no quotes) is split without looking at its characters one by one.
   */
  private nextLf = -1;
  private nextQuote = -1;
  private nextCr = -1;
  private final = false;
  private row = 0;
  /** 1 for the columns whose text is kept; undefined keeps all. */
  private keep: Uint8Array | undefined;

  constructor(
    private readonly chunks: AsyncIterator<string>,
    private readonly delimiter: number,
    private readonly maxRecord: number,
    private readonly location: ErrorLocation,
  ) {}

  /**
   * Rows are copies of this array of `''`s, one per header column (see {@link newRow} for why a copy).
   * Empty until the header is read.
   */
  private template: string[] = [];

  /** Sets the width of the rows to come (the header's) and the cells each row reserves. */
  expectWidth(width: number, capacity = width): void {
    this.template = Array.from({ length: Math.max(width, capacity) }, () => '');
  }

  keepOnly(columns: Iterable<number>, width: number): void {
    this.keep = new Uint8Array(width);
    for (const column of columns) if (column >= 0 && column < width) this.keep[column] = 1;
  }

  /** The next record if the text read so far holds it, `MORE` if not, undefined at the end. */
  take(): string[] | undefined | typeof MORE {
    const record = this.parse();
    if (record) this.row++;
    return record;
  }

  /** Reads the next chunk of text (or learns that there is none). */
  async fill(): Promise<void> {
    // The text from `pos` is one record not yet complete: refused as soon as it is too long already.
    if (this.text.length - this.pos > this.maxRecord) this.tooLong();
    const chunk = await this.chunks.next();
    if (chunk.done) {
      this.final = true;
      return;
    }
    let value = chunk.value;
    // A BOM can only start the file; strip it with the first chunk.
    if (this.text.length === 0 && this.row === 0 && value.charCodeAt(0) === 0xfeff) value = value.slice(1);
    this.text = this.pos < this.text.length ? this.text.slice(this.pos) + value : value;
    this.pos = 0;
    this.nextLf = this.nextQuote = this.nextCr = -1;
  }

  /** Parses one record from `pos`: the fields, `MORE` when the text ends first, undefined at the end. */
  private parse(): string[] | undefined | typeof MORE {
    const { text, delimiter, final, keep } = this;
    const n = text.length;
    let i = this.pos;
    // Blank lines are skipped, as pandas does.
    while (i < n && (text.charCodeAt(i) === LF || text.charCodeAt(i) === CR)) i++;
    // `pos` moves past blank lines now, so that only the record itself counts against its limit.
    this.pos = i;
    if (i >= n) return final ? undefined : MORE;
    const simple = this.simpleRecord(i);
    if (simple !== undefined) return simple;
    const start = i;
    const fields = newRow();
    for (;;) {
      let c: number;
      if (text.charCodeAt(i) === QUOTE) {
        let value = '';
        let from = i + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote < 0 || (quote + 1 >= n && !final)) {
            if (final) this.fail('a quoted field is not closed');
            return MORE;
          }
          if (text.charCodeAt(quote + 1) === QUOTE) {
            value += text.slice(from, quote + 1);
            from = quote + 2;
            continue;
          }
          value += text.slice(from, quote);
          i = quote + 1;
          break;
        }
        fields.push(value);
        c = i < n ? text.charCodeAt(i) : -1;
        if (c !== delimiter && c !== LF && c !== CR && c !== -1)
          this.fail('a character follows a closing quote');
      } else {
        let j = i;
        c = -1;
        while (j < n) {
          c = text.charCodeAt(j);
          if (c === delimiter || c === LF || c === CR) break;
          if (c === QUOTE) this.fail('a quote inside an unquoted field');
          j++;
        }
        if (j >= n) {
          if (!final) return MORE;
          c = -1;
        }
        fields.push(keep === undefined || keep[fields.length] === 1 ? text.slice(i, j) : '');
        i = j;
      }
      if (c === delimiter) {
        i++;
        // A delimiter at the very end of the text still opens one more (empty) field.
        if (i >= n && !final) return MORE;
        if (i >= n) {
          fields.push('');
          break;
        }
        continue;
      }
      break;
    }
    // Checked on the whole record too: it may have come in one piece of text, whatever its length.
    if (i - start > this.maxRecord) this.tooLong();
    // Consume the line ending (\n, \r\n or \r); a lone \n split from its \r is skipped as a blank line.
    if (i < n && text.charCodeAt(i) === CR) i++;
    if (i < n && text.charCodeAt(i) === LF) i++;
    this.pos = i;
    return fields;
  }

  /**
   * The record starting at `i` when it is one LF-terminated line without quotes or a lone CR (nearly
   * every record): its fields split at the delimiter natively, `pos` moved past its line ending.
   * Undefined for any other record, which the general scanner in {@link parse} then reads.
   */
  private simpleRecord(i: number): string[] | undefined {
    const text = this.text;
    const n = text.length;
    if (this.nextLf < i) this.nextLf = indexOrEnd(text, '\n', i);
    const lf = this.nextLf;
    if (lf >= n) return undefined; // the line may go on in the next chunk, or ends the file
    if (this.nextQuote < i) this.nextQuote = indexOrEnd(text, '"', i);
    if (this.nextQuote < lf) return undefined;
    const end = text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
    if (this.nextCr < i) this.nextCr = indexOrEnd(text, '\r', i);
    if (this.nextCr < end) return undefined; // a lone CR ends a record mid-line
    if (end - i > this.maxRecord) this.tooLong();
    this.pos = lf + 1;
    const delimiter = String.fromCharCode(this.delimiter);
    const keep = this.keep;
    // Field by field with indexOf, measured faster than slicing the line and splitting it; with
    // `keep`, only the kept columns are copied out and the others read as ''.
    // A copy of the template has the row's capacity, so filling it (and appending to it up to the
    // capacity) never regrows it; its length is then cut to the fields read.
    const fields = this.template.slice();
    const capacity = fields.length;
    for (let from = i, k = 0; ; k++) {
      let to = text.indexOf(delimiter, from);
      if (to < 0 || to > end) to = end;
      const value = keep === undefined || keep[k] === 1 ? text.slice(from, to) : '';
      if (k < capacity) fields[k] = value;
      else fields.push(value);
      if (to === end) {
        if (k + 1 < capacity) fields.length = k + 1;
        return fields;
      }
      from = to + 1;
    }
  }

  private tooLong(): never {
    this.fail(`a record is longer than ${this.maxRecord} bytes`);
  }

  private fail(what: string): never {
    throw new InputError(`malformed CSV: ${what}`, {
      code: 'MALFORMED_CSV',
      location: { ...this.location, row: this.row },
    });
  }
}

/** Never written to: rows are copies of it (see {@link newRow}). */
const NO_FIELDS: readonly string[] = [];

/**
 * An empty row, made by a builtin rather than an array literal: V8 tracks the survival of a literal's
 * arrays per code site, and once rows from a site were held for a while (a dimension table, a batch
 * waiting on a write) it allocates every later row of that site directly in the old generation
 * ("allocation-site pretenuring"), where rows and the strings they hold wait for a full GC. Arrays a
 * builtin makes carry no site. (Three quality passes over 100k rows promoted 214 MB with rows from a
 * literal, 13-17 MB with these.)
 */
function newRow(): string[] {
  return NO_FIELDS.slice();
}

/** `text.indexOf(search, from)`, or `text.length` when there is none. */
function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
}
