import type { ColumnType, Schema } from '../definition/schema.ts';
import type { ObjectRef } from '../lake/data-lake.ts';
import type { ParquetCell, ParquetObjectWriter } from '../lake/parquet-writer.ts';
import { parseNumber } from '../sources/values.ts';
import type { Batch } from './batch.ts';
import type { RuntimeType } from './layout.ts';
import type { Step, StepMetrics } from './step.ts';

/** What the runner needs of a dataset's write, whatever its format. */
export interface DatasetWrite extends Step {
  readonly dataset: string;
  /** The writer, opened on first use (an empty dataset is still written, with its columns). */
  output(): { finish(): Promise<ObjectRef>; abort(reason?: unknown): Promise<void> };
  /** The writer if it was opened. */
  readonly opened: { abort(reason?: unknown): Promise<void> } | undefined;
}

/** Opens a dataset's Parquet object: its typed columns, and those typed by their first row group. */
export type OpenParquet = (dataset: string, schema: Schema, infer: readonly string[]) => ParquetObjectWriter;

/**
 * Writes the rows' first `width` cells to a dataset's Parquet object, typed by the plan: a column the
 * plan types (a source's, a `parse`'s, a lookup's, a time part's, an `apply`'s, a measure's) is that
 * type; a `derive` function's result, which the plan cannot type, gets its type from its first row
 * group's values as the function gave them (see `inferType`): a function's strings stay text even when
 * they look like numbers. Cells are converted from their text, not from the batch's number cache: a
 * source's number is cached as pandas parses it (which may differ from the text's exact double in the
 * last bit), and the text is what the CSV dataset holds, so the Parquet value reads back as the same
 * text.
 */
export class ParquetWriteStep implements DatasetWrite {
  readonly name: string;
  private writer: ParquetObjectWriter | undefined;
  private rows = 0;
  private readonly schema: Schema;
  private readonly infer: string[];
  /** Positions of the columns typed from their values. */
  private readonly inferAt: number[];

  constructor(
    readonly dataset: string,
    readonly header: readonly string[],
    types: readonly RuntimeType[],
    private readonly open: OpenParquet,
  ) {
    this.name = `write_${dataset}`;
    this.schema = Object.fromEntries(
      header.map((name, c) => [name, types[c] === 'unknown' ? 'string' : (types[c] as ColumnType)]),
    );
    this.infer = header.filter((_, c) => types[c] === 'unknown');
    this.inferAt = header.flatMap((_, c) => (types[c] === 'unknown' ? [c] : []));
  }

  output(): ParquetObjectWriter {
    this.writer ??= this.open(this.dataset, this.schema, this.infer);
    return this.writer;
  }

  get opened(): ParquetObjectWriter | undefined {
    return this.writer;
  }

  run(batch: Batch): void {
    const n = batch.size;
    const writer = this.output();
    if (n === 0) return;
    this.rows += n;
    batch.pending.push(writer.write(batch.rows, this.inferAt.length > 0 ? this.typed(batch) : undefined));
  }

  /**
   * The function columns' cells as typed values: the values a step cached (strings, booleans,
   * numbers), or numbers read exactly from the text when the batch holds the column as numbers, or
   * the text (a string) when it holds neither.
   */
  private typed(batch: Batch): (ParquetCell[] | undefined)[] {
    const columns: (ParquetCell[] | undefined)[] = [];
    const { rows, size } = batch;
    for (const c of this.inferAt) {
      const cells = new Array<ParquetCell>(size);
      const values = batch.valuesOf(c);
      if (values) {
        for (let i = 0; i < size; i++) cells[i] = values[i] ?? null;
      } else if (batch.hasNumbers(c)) {
        for (let i = 0; i < size; i++) cells[i] = exactNumber((rows[i] as string[])[c] as string);
      } else {
        for (let i = 0; i < size; i++) cells[i] = (rows[i] as string[])[c];
      }
      columns[c] = cells;
    }
    return columns;
  }

  metrics(): StepMetrics {
    return { rows: this.rows };
  }
}

/**
 * The number a numeric cell's text holds, exactly (the text is `formatNumber`'s, or a fill value's),
 * null for an empty cell; text that is no number stays text, for the writer to refuse.
 */
function exactNumber(text: string): ParquetCell {
  if (text === 'inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  const value = parseNumber(text);
  return value === null ? null : Number.isNaN(value) ? text : value;
}
