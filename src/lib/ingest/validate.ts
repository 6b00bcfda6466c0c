import type { ColumnType } from '../definition/schema.ts';
import type { Source } from '../definition/sources.ts';
import { type ErrorLocation, InputError } from '../errors.ts';
import type { CsvTable, RowBatch } from '../lake/csv.ts';
import { assertIsoDate } from '../lake/keys.ts';
import { keyText } from '../pandas/keys.ts';
import { ParsedTimestamp, parseTimestampInto } from '../pandas/timestamps.ts';
import {
  formatDate,
  isCanonicalTimestamp,
  isNullText,
  isPlainDecimal,
  isShortInteger,
  parseBoolean,
  parseNumber,
  parseTimestamp,
} from '../sources/values.ts';

/** The seed's `_validate_schema` result. Validation errors throw, so a returned summary is always valid. */
export interface ValidationSummary {
  valid: boolean;
  errors: string[];
  warnings: string[];
  rowCount: number;
  columnCount: number;
}

export interface ValidatorOptions {
  /** The run's date, `YYYY-MM-DD`: a fact source's event times must fall on it. */
  date: string;
  /** Named in every error (object key or file path); the source is added from the definition. */
  location?: ErrorLocation;
}

const MAX_SHOWN = 80;
const SUSPECT_DELIMITERS = [';', '\t', '|'];

/** One schema column the validator checks, by its position in the input's header. */
interface CheckedColumn {
  name: string;
  index: number;
  type: ColumnType;
  required: boolean;
}

/**
 * The seed's `_validate_schema`, made streaming: {@link checkHeader} once, {@link checkRows} per
 * batch (every field against its schema type, event times against the run's date, dimension keys
 * for uniqueness), then {@link finish} for the summary. Memory stays constant except for the set of
 * dimension keys, and dimensions are small.
 */
export class SchemaValidator {
  private readonly location: ErrorLocation;
  private readonly warnings: string[] = [];
  private columns: CheckedColumn[] = [];
  private nullCounts: number[] = [];
  private eventTimeIndex = -1;
  private keyIndices: number[] = [];
  private readonly seenKeys = new Set<string>();
  private columnCount = 0;
  private rowCount = 0;
  /** The UTC offset (minutes) of the first event time, `null` when it is naive; unset before it. */
  private zone: number | null | undefined;
  /** The row of the first event time, named when a later one has another zone. */
  private zoneRow = 0;
  private readonly parsed = new ParsedTimestamp();

  private readonly requiredColumns: readonly string[];

  constructor(
    readonly name: string,
    readonly definition: Source,
    private readonly options: ValidatorOptions,
  ) {
    assertIsoDate(options.date);
    this.location = { source: name, ...options.location };
    this.requiredColumns = definition.required ?? Object.keys(definition.schema);
  }

  private get eventTimeColumn(): string | undefined {
    return this.definition.kind === 'fact' ? this.definition.eventTime : undefined;
  }

  /**
   * Checks the header: every required column present, unknown columns noted as a warning.
   * @throws InputError `MISSING_COLUMNS` naming them (with a hint when the file looks like it uses
   * another delimiter)
   */
  checkHeader(header: readonly string[]): void {
    const { schema } = this.definition;
    const { requiredColumns } = this;
    const present = new Set(header);
    const missing = requiredColumns.filter((name) => !present.has(name));
    if (missing.length > 0) {
      throw new InputError(`Missing required columns: ${missing.join(', ')}${delimiterHint(header)}`, {
        code: 'MISSING_COLUMNS',
        location: this.location,
      });
    }
    const extra = header.filter((name) => !(name in schema));
    if (extra.length > 0) this.warnings.push(`Unexpected columns: ${extra.join(', ')}`);
    // Not in the seed: an optional column that is absent now breaks the transform later, so say so.
    const absent = Object.keys(schema).filter((name) => !present.has(name));
    if (absent.length > 0) this.warnings.push(`Missing optional columns: ${absent.join(', ')}`);

    this.columnCount = header.length;
    this.columns = header.flatMap((name, index) => {
      const type = schema[name];
      return type ? [{ name, index, type, required: requiredColumns.includes(name) }] : [];
    });
    this.nullCounts = this.columns.map(() => 0);
    const { eventTimeColumn } = this;
    this.eventTimeIndex = eventTimeColumn === undefined ? -1 : header.indexOf(eventTimeColumn);
    const key = this.definition.kind === 'dimension' ? this.definition.key : [];
    this.keyIndices = key.every((column) => header.includes(column))
      ? key.map((column) => header.indexOf(column))
      : [];
  }

  /**
   * Checks a batch of rows (each as wide as the header).
   * @throws InputError `INVALID_VALUE`, `OUT_OF_PARTITION`, `MIXED_TIMEZONES` (event times of a fact
   * that mix UTC offsets, or offsets and naive times) or `DUPLICATE_KEY`, naming the 1-based data row,
   * the column and the offending text
   */
  checkRows(rows: RowBatch): void {
    if (this.columnCount === 0)
      throw new Error('SchemaValidator: checkHeader() must come before checkRows()');
    for (const row of rows) {
      this.rowCount += 1;
      for (let c = 0; c < this.columns.length; c++) {
        const column = this.columns[c] as CheckedColumn;
        const text = row[column.index];
        if (isNullText(text)) {
          (this.nullCounts[c] as number) += 1;
          continue;
        }
        if (!isValid(column.type, text as string)) {
          this.fail(
            'INVALID_VALUE',
            `invalid ${column.type} value ${shownText(text as string)}`,
            column.name,
          );
        }
      }
      if (this.eventTimeIndex >= 0) this.checkEventTime(row[this.eventTimeIndex]);
      if (this.keyIndices.length > 0) this.checkKey(row as string[]);
    }
  }

  private checkEventTime(text: string | undefined): void {
    // `YYYY-MM-DD HH:MM:SS` is naive and on the date it starts with; only other spellings need the
    // full parsers.
    if (text !== undefined && isCanonicalTimestamp(text) && text.startsWith(this.options.date)) {
      if (this.zone !== null) this.checkZone(null, text);
      return;
    }
    const time = parseTimestamp(text);
    // A null time is counted (and warned about) as a null; only a real time can be on the wrong day.
    if (time === null || Number.isNaN(time)) return;
    if (parseTimestampInto(text as string, this.parsed))
      this.checkZone(this.parsed.offset ?? null, text as string);
    if (formatDate(time) === this.options.date) return;
    this.fail(
      'OUT_OF_PARTITION',
      `event time ${shownText(text as string)} is not on the run's date ${this.options.date}`,
      this.eventTimeColumn as string,
    );
  }

  /**
   * pandas cannot hold times of several UTC offsets (or offsets and naive times) in one column, so the
   * transform could not derive their dates: refused here, at the first time whose zone differs.
   */
  private checkZone(zone: number | null, text: string): void {
    if (this.zone === undefined) {
      this.zone = zone;
      this.zoneRow = this.rowCount;
      return;
    }
    if (zone === this.zone) return;
    this.fail(
      'MIXED_TIMEZONES',
      `event time ${shownText(text)} is ${zoneText(zone)}, but the first (row ${this.zoneRow}) is ${zoneText(this.zone)}: the event times of one input must share one UTC offset, or all be naive (pandas cannot derive dates from mixed offsets)`,
      this.eventTimeColumn as string,
    );
  }

  private checkKey(row: readonly string[]): void {
    const columns = this.keyIndices;
    // Null keys are reported by the null count; they cannot collide with a real key.
    if (columns.length === 1 && isNullText(row[columns[0] as number])) return;
    const key = keyText(row, columns);
    if (this.seenKeys.has(key)) {
      const shown = columns.length === 1 ? key : key.replaceAll('\u001f', ', ');
      this.fail(
        'DUPLICATE_KEY',
        `duplicate key ${shownText(shown)}`,
        (this.definition.kind === 'dimension' ? this.definition.key : []).join(', '),
      );
    }
    this.seenKeys.add(key);
  }

  private fail(code: string, message: string, column: string): never {
    throw new InputError(message, { code, location: { ...this.location, row: this.rowCount, column } });
  }

  /**
   * Ends validation: the null-count warnings (the seed's wording) and the summary.
   * @throws InputError `NO_ROWS` when no data row arrived
   */
  finish(): ValidationSummary {
    // A header with no rows is refused for every source. For a fact source an empty day is far more
    // likely a broken export than a quiet day; for a dimension, an empty snapshot would become the
    // "latest snapshot" and silently blank out every join after it.
    if (this.rowCount === 0) {
      throw new InputError('the input has a header but no data rows', {
        code: 'NO_ROWS',
        location: this.location,
      });
    }
    const warnings = [...this.warnings];
    this.columns.forEach((column, c) => {
      const nulls = this.nullCounts[c] as number;
      if (column.required && nulls > 0) warnings.push(`Column '${column.name}' has ${nulls} null values`);
    });
    return { valid: true, errors: [], warnings, rowCount: this.rowCount, columnCount: this.columnCount };
  }
}

/**
 * Validates a whole table, consuming it: for checks that do not also write the rows somewhere.
 * @throws InputError as {@link SchemaValidator} does
 */
export async function validateTable(
  table: CsvTable,
  name: string,
  definition: Source,
  options: ValidatorOptions,
): Promise<ValidationSummary> {
  const validator = new SchemaValidator(name, definition, options);
  validator.checkHeader(table.header);
  for await (const batch of table.batches) validator.checkRows(batch);
  return validator.finish();
}

function isValid(type: ColumnType, text: string): boolean {
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
function zoneText(zone: number | null): string {
  if (zone === null) return 'naive (no UTC offset)';
  const minutes = Math.abs(zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `at UTC offset ${zone < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The offending text for a message: quoted, at most 80 characters. */
function shownText(text: string): string {
  return JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text);
}

/** A one-column header holding another delimiter usually means the file was split on the wrong one. */
function delimiterHint(header: readonly string[]): string {
  if (header.length !== 1) return '';
  const found = SUSPECT_DELIMITERS.find((delimiter) => (header[0] as string).includes(delimiter));
  if (found === undefined) return '';
  const name = found === '\t' ? 'a tab' : `'${found}'`;
  return ` (the header is a single column containing ${name}: is the file delimited by ${name} instead of ','?)`;
}
