import type { RowBatch } from '../lake/csv.ts';
import { readNumber } from '../pandas/pandas-text.ts';

/** A failing row: its 1-based number among the dataset's rows (the header is not a row), and its values. */
export interface Sample {
  row: number;
  /** The text of the columns the check reads, as in the dataset. */
  values: Record<string, string>;
}

/** The first failing rows, up to a limit: memory stays bounded whatever the rows. */
export class Samples {
  readonly rows: Sample[] = [];
  constructor(
    private readonly column: string,
    private readonly limit: number,
  ) {}

  get full(): boolean {
    return this.rows.length >= this.limit;
  }

  /** Keeps row `row`'s value (a no-op once full). */
  add(row: number, text: string): void {
    if (this.rows.length < this.limit) this.rows.push({ row, values: { [this.column]: text } });
  }

  /** Keeps row `row`'s values of several columns (a no-op once full). */
  addRow(row: number, values: Record<string, string>): void {
    if (this.rows.length < this.limit) this.rows.push({ row, values });
  }
}

/**
 * Numbers of the columns the checks read, parsed once per batch however many checks share a column.
 * It also learns what `read_csv` would: a column with any non-numeric text is a column of strings.
 */
export class NumericColumns {
  private readonly columns = new Map<number, { values: Float64Array; batch: number; text: boolean }>();
  private batchNumber = 0;
  private batch: RowBatch = [];

  /** Starts a new batch. */
  next(batch: RowBatch): void {
    this.batch = batch;
    this.batchNumber++;
  }

  /** The column's values in this batch: numbers, NaN for null or text. */
  values(column: number): Float64Array {
    let entry = this.columns.get(column);
    if (!entry) {
      entry = { values: new Float64Array(0), batch: 0, text: false };
      this.columns.set(column, entry);
    }
    if (entry.batch === this.batchNumber) return entry.values;
    const rows = this.batch;
    if (entry.values.length < rows.length) entry.values = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const value = readNumber((rows[i] as string[])[column] as string);
      if (value === undefined) {
        entry.text = true;
        entry.values[i] = Number.NaN;
      } else entry.values[i] = value;
    }
    entry.batch = this.batchNumber;
    return entry.values;
  }

  /** Whether pandas would have read the column as numbers (every non-null value numeric so far). */
  isNumeric(column: number): boolean {
    return !this.columns.get(column)?.text;
  }
}
