import type { ColumnType } from '../definition/schema.ts';
import type { Source } from '../definition/sources.ts';
import { type ErrorLocation, InputError } from '../errors.ts';
import type { CsvTable, RowBatch } from '../lake/csv.ts';
import { assertIsoDate } from '../lake/keys.ts';
import { keyText } from '../pandas/keys.ts';
import { ParsedTimestamp, parseTimestampInto } from '../pandas/timestamps.ts';
import { formatDate, isCanonicalTimestamp, isNullText, parseTimestamp } from '../sources/values.ts';
import type { RowRejects, RowScreen } from './row-rejects.ts';
import { delimiterHint, isValid, shownText, zoneText } from './validate-text.ts';

export type { RowRejects, RowScreen } from './row-rejects.ts';

/**
 * The seed's `_validate_schema` result. Validation errors throw, so a returned summary is always valid;
 * `rowCount` counts the rows that passed (the input's, less those a quarantine took).
 */
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

/** One schema column the validator checks, by its position in the input's header. */
interface CheckedColumn {
  name: string;
  index: number;
  type: ColumnType;
  required: boolean;
  /** The quarantine rule of a value that does not fit the type: `type:<column>:<type>`. */
  rule: string;
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
  /** Input rows checked so far: the 1-based number of the row being checked. */
  private rowCount = 0;
  private rejectedCount = 0;
  /** Where bad rows go during {@link checkRows}; without, the first bad row throws. */
  private rejects: RowRejects | undefined;
  /** The problem of the row being checked, when it has one and goes to `rejects`. */
  private problemRule = '';
  private problemError: InputError | undefined;
  /** The UTC offset (minutes) of the first event time, `null` when it is naive; unset before it. */
  private zone: number | null | undefined;
  /** The row of the first event time, named when a later one has another zone. */
  private zoneRow = 0;
  private readonly parsed = new ParsedTimestamp();
  private eventTimeRule = '';
  private keyRule = '';

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
      const required = requiredColumns.includes(name);
      return type ? [{ name, index, type, required, rule: `type:${name}:${type}` }] : [];
    });
    this.nullCounts = this.columns.map(() => 0);
    const { eventTimeColumn } = this;
    this.eventTimeIndex = eventTimeColumn === undefined ? -1 : header.indexOf(eventTimeColumn);
    this.eventTimeRule = `event_time:${eventTimeColumn}:date`;
    const key = this.definition.kind === 'dimension' ? this.definition.key : [];
    this.keyRule = `duplicate_key:${key.join('+')}`;
    this.keyIndices = key.every((column) => header.includes(column))
      ? key.map((column) => header.indexOf(column))
      : [];
  }

  /**
   * Checks a batch of rows (each as wide as the header). With `rejects`, a row that fails a per-row
   * check (`INVALID_VALUE`, `OUT_OF_PARTITION`, `DUPLICATE_KEY`, then `CHECK_FAILED` by its `screen`)
   * goes there and the rest go on; the first failing check of a row decides, and a rejected row
   * counts for nothing else (its nulls, its UTC offset, its key). `MIXED_TIMEZONES` is about the
   * input, not a row: it always throws.
   * @throws InputError `INVALID_VALUE`, `OUT_OF_PARTITION`, `MIXED_TIMEZONES` (event times of a fact
   * that mix UTC offsets, or offsets and naive times) or `DUPLICATE_KEY`, naming the 1-based data row,
   * the column and the offending text
   */
  checkRows(rows: RowBatch, rejects?: RowRejects): void {
    if (this.columnCount === 0)
      throw new Error('SchemaValidator: checkHeader() must come before checkRows()');
    this.rejects = rejects;
    const screen = rejects?.screen;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as string[];
      this.rowCount += 1;
      if (this.checkRow(row) && (screen === undefined || this.passes(row, screen))) continue;
      this.rejectedCount += 1;
      (rejects as RowRejects).reject(row, i, this.problemRule, this.problemError as InputError);
      this.problemError = undefined;
    }
  }

  /** Whether the row passes; `false` only with `rejects` (else a problem throws). */
  private checkRow(row: string[]): boolean {
    const { columns, nullCounts } = this;
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c] as CheckedColumn;
      const text = row[column.index];
      if (isNullText(text)) {
        (nullCounts[c] as number) += 1;
        continue;
      }
      if (!isValid(column.type, text as string)) {
        const message = `invalid ${column.type} value ${shownText(text as string)}`;
        return this.problem(this.error('INVALID_VALUE', message, column.name), column.rule, row, c);
      }
    }
    if (this.eventTimeIndex >= 0) return this.checkEventTime(row);
    if (this.keyIndices.length > 0) return this.checkKey(row);
    return true;
  }

  /** Whether a valid row passes `screen`; else it gives back what it took: its nulls, key and zone. */
  private passes(row: string[], screen: RowScreen): boolean {
    const failure = screen(row);
    if (failure === undefined) return true;
    if (this.keyIndices.length > 0) this.seenKeys.delete(keyText(row, this.keyIndices));
    if (this.zoneRow === this.rowCount) this.zone = undefined;
    const error = this.error('CHECK_FAILED', failure.message, failure.column);
    return this.problem(error, failure.rule, row, this.columns.length);
  }

  private checkEventTime(row: string[]): boolean {
    const text = row[this.eventTimeIndex];
    // `YYYY-MM-DD HH:MM:SS` is naive and on the date it starts with; only other spellings need the
    // full parsers.
    if (text !== undefined && isCanonicalTimestamp(text) && text.startsWith(this.options.date)) {
      if (this.zone !== null) this.checkZone(null, text);
      return true;
    }
    const time = parseTimestamp(text);
    // A null time is counted (and warned about) as a null; only a real time can be on the wrong day.
    if (time === null || Number.isNaN(time)) return true;
    const zone = parseTimestampInto(text as string, this.parsed) ? (this.parsed.offset ?? null) : undefined;
    // Another zone than the first fails before the date is looked at, as it always has; the first
    // zone is taken only from a row on the date, so a quarantined row does not set it.
    if (zone !== undefined && this.zone !== undefined) this.checkZone(zone, text as string);
    if (formatDate(time) !== this.options.date) {
      const message = `event time ${shownText(text as string)} is not on the run's date ${this.options.date}`;
      const error = this.error('OUT_OF_PARTITION', message, this.eventTimeColumn as string);
      return this.problem(error, this.eventTimeRule, row, this.columns.length);
    }
    if (zone !== undefined && this.zone === undefined) this.checkZone(zone, text as string);
    return true;
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
    throw this.error(
      'MIXED_TIMEZONES',
      `event time ${shownText(text)} is ${zoneText(zone)}, but the first (row ${this.zoneRow}) is ${zoneText(this.zone)}: the event times of one input must share one UTC offset, or all be naive (pandas cannot derive dates from mixed offsets)`,
      this.eventTimeColumn as string,
    );
  }

  private checkKey(row: string[]): boolean {
    const columns = this.keyIndices;
    // Null keys are reported by the null count; they cannot collide with a real key.
    if (columns.length === 1 && isNullText(row[columns[0] as number])) return true;
    const key = keyText(row, columns);
    if (this.seenKeys.has(key)) {
      const shown = columns.length === 1 ? key : key.replaceAll('\u001f', ', ');
      const column = (this.definition.kind === 'dimension' ? this.definition.key : []).join(', ');
      const error = this.error('DUPLICATE_KEY', `duplicate key ${shownText(shown)}`, column);
      return this.problem(error, this.keyRule, row, this.columns.length);
    }
    this.seenKeys.add(key);
    return true;
  }

  /**
   * A row's problem: thrown, or with `rejects` kept for {@link checkRows} to hand over, after taking
   * back the nulls the row's first `checked` columns counted (a rejected row does not land).
   */
  private problem(error: InputError, rule: string, row: readonly string[], checked: number): false {
    if (this.rejects === undefined) throw error;
    for (let c = 0; c < checked; c++) {
      if (isNullText(row[(this.columns[c] as CheckedColumn).index])) (this.nullCounts[c] as number) -= 1;
    }
    this.problemRule = rule;
    this.problemError = error;
    return false;
  }

  /** An error at the row being checked. */
  private error(code: string, message: string, column: string): InputError {
    return new InputError(message, { code, location: { ...this.location, row: this.rowCount, column } });
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
    const rowCount = this.rowCount - this.rejectedCount;
    this.columns.forEach((column, c) => {
      const nulls = this.nullCounts[c] as number;
      if (column.required && nulls > 0) warnings.push(`Column '${column.name}' has ${nulls} null values`);
    });
    return { valid: true, errors: [], warnings, rowCount, columnCount: this.columnCount };
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
