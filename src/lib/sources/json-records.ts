import { type ErrorLocation, InputError } from '../errors.ts';
import type { CsvTable, RowBatch } from '../lake/csv.ts';

/**
 * JSON inputs as tables: a JSON array of objects or NDJSON (one object per line). Both are read as
 * streams, twice: a first pass learns the columns (every key, in order of first appearance) and checks
 * the syntax, so a malformed file fails before anything is written; the second pass yields the rows.
 */

/** One object of a JSON input and its 1-based data row. */
interface JsonRecord {
  value: Record<string, unknown>;
  row: number;
}

export type JsonFormat = 'json' | 'ndjson';
/** Opens the input's text afresh (strict UTF-8); called once per pass. */
export type OpenText = () => Promise<AsyncIterable<string>>;

/** Refuse one record (array element or line) larger than this, as the CSV reader does. */
const MAX_RECORD_CHARS = 1024 * 1024;

/**
 * Reads a JSON or NDJSON input as a table of text fields: `null` → '', booleans `true`/`false`,
 * numbers as `String(n)`, strings as they are.
 * @throws InputError `EMPTY_FILE`, `MALFORMED_JSON` (not an array of objects, bad line, empty key),
 * `UNSUPPORTED_VALUE` (a nested object or array, naming row and column)
 */
export async function readJsonTable(
  openText: OpenText,
  format: JsonFormat,
  options: { location: ErrorLocation; batchSize: number },
): Promise<CsvTable> {
  const { location, batchSize } = options;
  const records = (text: AsyncIterable<string>) =>
    format === 'json'
      ? jsonArrayRecords(withoutBom(text), location)
      : ndjsonRecords(withoutBom(text), location);

  const columns = new Set<string>(); // keeps insertion order: the order of first appearance
  for await (const { value, row } of records(await openText())) {
    for (const key of Object.keys(value)) {
      if (key === '') {
        throw new InputError('an object has an empty key', {
          code: 'MALFORMED_JSON',
          location: { ...location, row },
        });
      }
      columns.add(key);
    }
  }
  if (columns.size === 0) {
    throw new InputError(`the ${format.toUpperCase()} input has no objects with keys: no columns`, {
      code: 'EMPTY_FILE',
      location,
    });
  }
  const header = [...columns];

  async function* batches(): AsyncGenerator<RowBatch> {
    let batch: RowBatch = [];
    for await (const { value, row } of records(await openText())) {
      batch.push(header.map((column) => fieldText(value[column], { ...location, row, column })));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
  return { header, batches: batches() };
}

function fieldText(value: unknown, location: ErrorLocation): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InputError(
    `a field holds ${describe(value)}; only strings, numbers, booleans and null fit a table`,
    {
      code: 'UNSUPPORTED_VALUE',
      location,
    },
  );
}

/** NDJSON: one object per line; blank lines are skipped, a trailing `\r` is dropped. */
async function* ndjsonRecords(
  text: AsyncIterable<string>,
  location: ErrorLocation,
): AsyncGenerator<JsonRecord> {
  let row = 0;
  for await (const [raw, line] of lines(text, location)) {
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') continue;
    row += 1;
    const value = parseRecord(content, `line ${line}`, { ...location, row });
    yield { value, row };
  }
}

async function* lines(
  text: AsyncIterable<string>,
  location: ErrorLocation,
): AsyncGenerator<[string, number]> {
  let pending = '';
  let line = 0;
  for await (const chunk of text) {
    pending += chunk;
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      line += 1;
      yield [pending.slice(start, end), line];
      start = end + 1;
    }
    pending = pending.slice(start);
    if (pending.length > MAX_RECORD_CHARS) throw tooLarge(`line ${line + 1}`, location);
  }
  if (pending !== '') yield [pending, line + 1];
}

/** The text of each element of a top-level JSON array, found by a scanner that tracks strings and nesting. */
async function* jsonArrayRecords(
  text: AsyncIterable<string>,
  location: ErrorLocation,
): AsyncGenerator<JsonRecord> {
  type State = 'start' | 'first' | 'next' | 'element' | 'end';
  let state = 'start' as State;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let row = 0;
  const emit = (): JsonRecord => {
    row += 1;
    const record = { value: parseRecord(element, `element ${row}`, { ...location, row }), row };
    element = '';
    return record;
  };

  for await (const chunk of text) {
    let from = 0; // where the current element's text starts in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i] as string;
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (ch === '\\') escaped = true;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === '{' || ch === '[') depth += 1;
        else if ((ch === '}' || ch === ']') && depth > 0) depth -= 1;
        else if (depth === 0 && (ch === ',' || ch === ']')) {
          // The end of an element at the array's own level.
          element += chunk.slice(from, i);
          yield emit();
          state = ch === ',' ? 'next' : 'end';
        }
        continue;
      }
      if (isJsonSpace(ch)) continue;
      if (state === 'start') {
        if (ch !== '[') throw notAnArray(ch, location);
        state = 'first';
      } else if (state === 'end') {
        throw malformed(`unexpected ${JSON.stringify(ch)} after the closing ]`, location);
      } else if (ch === ']' && state === 'first') {
        state = 'end';
      } else if (ch === ']') {
        throw malformed(`a trailing comma before ] after element ${row}`, location);
      } else {
        state = 'element';
        depth = 0;
        from = i;
        i -= 1; // scan this character again as the element's first
      }
    }
    if (state === 'element') {
      element += chunk.slice(from);
      if (element.length > MAX_RECORD_CHARS) throw tooLarge(`element ${row + 1}`, location);
    }
  }
  if (state === 'start') throw new InputError('the file is empty', { code: 'EMPTY_FILE', location });
  if (state !== 'end') throw malformed('the JSON array is not closed: the file ends early', location);
}

function parseRecord(text: string, where: string, location: ErrorLocation): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${where} is not valid JSON: ${(error as Error).message}`, {
      code: 'MALFORMED_JSON',
      cause: error,
      location,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed(`${where} is ${describe(value)}, expected an object`, location);
  }
  return value as Record<string, unknown>;
}

/** "an object", "a number" …: what a JSON value is, for messages. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function notAnArray(first: string, location: ErrorLocation): InputError {
  const got: Record<string, string> = { '{': 'an object', '"': 'a string', t: 'a boolean', f: 'a boolean' };
  const what = got[first] ?? (first === 'n' ? 'null' : /[-\d]/.test(first) ? 'a number' : undefined);
  return malformed(
    what
      ? `expected a JSON array of objects, got ${what}`
      : `expected a JSON array of objects, got invalid JSON starting with ${JSON.stringify(first)}`,
    location,
  );
}

const malformed = (message: string, location: ErrorLocation) =>
  new InputError(message, { code: 'MALFORMED_JSON', location });

const tooLarge = (where: string, location: ErrorLocation) =>
  new InputError(`${where} is larger than ${MAX_RECORD_CHARS} characters`, {
    code: 'MALFORMED_JSON',
    location,
  });

const isJsonSpace = (ch: string) => ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t';

/** Drops a UTF-8 byte order mark from the start of the text (JSON.parse refuses it). */
async function* withoutBom(text: AsyncIterable<string>): AsyncGenerator<string> {
  let started = false;
  for await (const chunk of text) {
    if (!started && chunk !== '') {
      started = true;
      yield chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
    } else yield chunk;
  }
}
