import { isNumericType } from '../definition/schema.ts';
import type { Source } from '../definition/sources.ts';
import { ConfigError, type ErrorLocation, InputError } from '../errors.ts';
import { csvField, formatCsvLine, type RowBatch } from '../lake/csv.ts';
import type { CsvObjectWriter, DataLake, ObjectRef } from '../lake/data-lake.ts';
import { formatOfKey } from '../lake/dataset-reader.ts';
import { DATASET_FORMATS, type DatasetFormat } from '../lake/keys.ts';
import type { ParquetCell, ParquetObjectWriter } from '../lake/parquet-writer.ts';
import { columnsOf } from '../quality/checks.ts';
import { rowFailure } from '../quality/row-tests.ts';
import { reaches, type Threshold, thresholdSchema } from '../quality/thresholds.ts';
import type { RowRejects, RowScreen } from './row-rejects.ts';

/** The quarantine object's own columns, ahead of the input's. */
export const QUARANTINE_COLUMNS = ['_rule', '_row', '_error'] as const;

/** What a run set aside for a source: the ingest result's `quarantine`. */
export interface QuarantineResult {
  ref: ObjectRef;
  /** Rows per rule, rules in the order they first took a row. */
  byRule: Record<string, number>;
}

/** A source's quarantine limit, parsed; `undefined` when the source declares no quarantine. */
export function quarantineLimit(name: string, source: Source): Threshold | undefined {
  if (source.quarantine === undefined) return undefined;
  const parsed = thresholdSchema.safeParse(source.quarantine?.limit);
  // Refused when the definition loads; only a source made without definePipeline gets here.
  if (!parsed.success) {
    throw new ConfigError(`source ${name}: quarantine: limit: ${parsed.error.issues[0]?.message}`, {
      code: 'DEFINITION_INVALID',
    });
  }
  return parsed.data;
}

/**
 * The test of a source's quarantine `checks` over rows of `header`, built once per ingestion;
 * `undefined` when it declares none, so a source without checks pays nothing per row. A check's
 * numbers and `accepted_values` follow the schema's types (validated rows of an int column are
 * numbers).
 * @throws InputError `MISSING_COLUMNS` when a check reads a column the input lacks (an optional one)
 */
export function quarantineScreen(
  name: string,
  source: Source,
  header: readonly string[],
  location: ErrorLocation = {},
): RowScreen | undefined {
  const checks = source.quarantine?.checks ?? [];
  if (checks.length === 0) return undefined;
  const missing = [...new Set(checks.flatMap(columnsOf))].filter((column) => !header.includes(column));
  if (missing.length > 0) {
    throw new InputError(`Missing columns the quarantine's checks read: ${missing.join(', ')}`, {
      code: 'MISSING_COLUMNS',
      location: { source: name, ...location },
    });
  }
  const indexOf = (column: string) => header.indexOf(column);
  const numeric = (column: string) => isNumericType(source.schema[column] ?? 'string');
  const tests = checks.map((check) => ({
    rule: `check:${check.name}`,
    column: columnsOf(check).join(', '),
    fails: rowFailure(check, indexOf, numeric),
  }));
  return (row) => {
    for (const test of tests) {
      const message = test.fails(row);
      if (message !== undefined) return { rule: test.rule, column: test.column, message };
    }
    return undefined;
  };
}

export interface QuarantineOptions {
  lake: DataLake;
  /**
   * The quarantine object's key (`lakeKeys.quarantine` in the declaration's `format`): its extension
   * sets the object's format, `.parquet` Parquet and any other CSV.
   */
  key: string;
  /** The input's header: the object's columns after {@link QUARANTINE_COLUMNS}. */
  header: readonly string[];
  limit: Threshold;
  /** Named in the limit's error: the source and the input. */
  location: ErrorLocation;
  signal?: AbortSignal;
  /** The source's declared checks ({@link quarantineScreen}); default none. */
  screen?: RowScreen | undefined;
}

/**
 * One ingestion's quarantine: takes the rows the validator rejects ({@link reject}), writes them to
 * the quarantine object (opened at the first one, so a clean run writes none) and hands the other rows
 * on ({@link landed}). The object is CSV or Parquet, by its key's extension. It is atomic:
 * {@link finish} puts it in place, {@link abort} drops it, {@link clearStale} deletes an earlier run's
 * when this one quarantined nothing, or wrote the other format.
 * A rows limit (`> 100`) fails as soon as it is reached; a share (`> 1%`) needs every row, so it is
 * checked by {@link checkLimit} once the input has ended.
 */
export class Quarantine implements RowRejects {
  private writer: CsvObjectWriter | ParquetObjectWriter | undefined;
  private finished = false;
  private readonly byRule = new Map<string, number>();
  private count = 0;
  /**
   * This batch's rejected rows: their indices, ascending, and the rows for the object (CSV lines, or
   * Parquet rows of cells).
   */
  private indices: number[] = [];
  private lines: string[] = [];
  private cells: ParquetCell[][] = [];

  readonly screen: RowScreen | undefined;
  /** The object's format, from its key's extension. */
  readonly format: DatasetFormat;

  constructor(private readonly options: QuarantineOptions) {
    this.screen = options.screen;
    this.format = formatOfKey(options.key);
  }

  /** Rows quarantined so far. */
  get rows(): number {
    return this.count;
  }

  reject(row: readonly string[], index: number, rule: string, error: InputError): void {
    this.count += 1;
    this.byRule.set(rule, (this.byRule.get(rule) ?? 0) + 1);
    this.indices.push(index);
    const rowNumber = error.location?.row ?? 0;
    if (this.format === 'parquet') {
      // A cell per column of the header, the original text (a short row's missing cells null).
      this.cells.push([rule, rowNumber, error.message, ...this.options.header.map((_, c) => row[c] ?? null)]);
    } else {
      this.lines.push(`${csvField(rule)},${rowNumber},${csvField(error.message)},${formatCsvLine(row)}`);
    }
    const { limit } = this.options;
    // The count only grows: a rows limit reached now is reached at the end, so stop reading here.
    if (limit.unit === 'rows' && reaches(limit, this.count, 0)) this.limitError(rowNumber, ' so far');
  }

  /**
   * The batch's rows that land (the batch itself when none was rejected), after writing its rejected
   * rows to the quarantine object.
   */
  async landed(batch: RowBatch): Promise<RowBatch> {
    if (this.indices.length === 0) return batch;
    const { indices, lines, cells } = this;
    this.indices = [];
    this.lines = [];
    this.cells = [];
    const kept: RowBatch = [];
    let next = 0;
    for (let i = 0; i < batch.length; i++) {
      if (i === indices[next]) next += 1;
      else kept.push(batch[i] as string[]);
    }
    const writer = this.open();
    if ('writeLines' in writer) await writer.writeLines(lines);
    else await writer.write(cells);
    return kept;
  }

  /**
   * The object's writer, opened at the first quarantined row. Parquet columns: `_rule` and `_error`
   * strings, `_row` an int, every input column a string (its original text: a quarantined row's
   * values are the ones that did not parse).
   * @throws InputError `DUPLICATE_COLUMNS` for a Parquet object whose input has a column named as one
   * of {@link QUARANTINE_COLUMNS} (a Parquet schema names each column once)
   */
  private open(): CsvObjectWriter | ParquetObjectWriter {
    if (this.writer !== undefined) return this.writer;
    const { lake, key, header, signal, location } = this.options;
    if (this.format === 'csv') {
      this.writer = lake.openCsvWriter(key, [...QUARANTINE_COLUMNS, ...header], signal);
      return this.writer;
    }
    const taken = header.filter((column) => (QUARANTINE_COLUMNS as readonly string[]).includes(column));
    if (taken.length > 0) {
      throw new InputError(
        `the input's column ${taken.join(', ')} is one of the quarantine object's own (${QUARANTINE_COLUMNS.join(', ')}): a Parquet quarantine cannot hold it`,
        { code: 'DUPLICATE_COLUMNS', location },
      );
    }
    this.writer = lake.openParquetWriter(
      key,
      {
        _rule: 'string',
        _row: 'int',
        _error: 'string',
        ...Object.fromEntries(header.map((c) => [c, 'string'])),
      },
      signal,
    );
    return this.writer;
  }

  /**
   * Checks the limit against the whole input (`rows` data rows read); an input whose every row was
   * quarantined fails whatever the limit, as an empty input does: an empty landing object would pass
   * for a quiet day, or blank out a dimension's joins.
   * @throws InputError `QUARANTINE_LIMIT`
   */
  checkLimit(rows: number): void {
    if (reaches(this.options.limit, this.count, rows)) this.limitError(rows, '');
    if (this.count > 0 && this.count === rows) {
      throw new InputError(`every row (${rows}) was quarantined: nothing to land${this.rulesText()}`, {
        code: 'QUARANTINE_LIMIT',
        location: this.options.location,
      });
    }
  }

  /** Puts the quarantine object in place and returns it; null when no row was quarantined. */
  async finish(): Promise<QuarantineResult | null> {
    if (this.writer === undefined) return null;
    const ref = await this.writer.finish();
    this.finished = true;
    return { ref, byRule: Object.fromEntries(this.byRule) };
  }

  /**
   * Deletes the date's quarantine objects of an earlier run that this one does not replace: every
   * format's when no row was quarantined, so the lake shows what the latest run set aside, and the
   * other format's when one was. Called once the landing object is in place.
   */
  async clearStale(): Promise<void> {
    const { lake, key } = this.options;
    const base = key.slice(0, key.length - extensionOf(key).length);
    for (const format of DATASET_FORMATS) {
      if (this.writer === undefined || format !== this.format) await lake.storage.delete(`${base}.${format}`);
    }
  }

  /** Drops the quarantine object being written (not one already put in place); the date's earlier one stays. */
  async abort(reason: unknown): Promise<void> {
    if (!this.finished) await this.writer?.abort(reason);
  }

  private limitError(rows: number, soFar: string): never {
    const { limit, location } = this.options;
    throw new InputError(
      `quarantine limit ${JSON.stringify(limit.text)} reached: ${this.count} of ${rows} rows${soFar} quarantined${this.rulesText()}`,
      { code: 'QUARANTINE_LIMIT', location },
    );
  }

  private rulesText(): string {
    const rules = [...this.byRule].map(([rule, n]) => `${rule} ${n}`);
    return rules.length > 0 ? ` (${rules.join(', ')})` : '';
  }
}

/** The key's extension (`.csv`, `.parquet`), or `''` when its last segment has none. */
function extensionOf(key: string): string {
  return /\.[^./]*$/.exec(key)?.[0] ?? '';
}
