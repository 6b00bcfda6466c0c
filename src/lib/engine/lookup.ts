import { isNumericType } from '../definition/schema.ts';
import type { DimensionSource } from '../definition/sources.ts';
import { InputError } from '../errors.ts';
import { needsQuotes } from '../lake/csv.ts';
import { keyText } from '../pandas/keys.ts';
import { isNull, readNumber } from '../pandas/pandas-text.ts';
import type { Batch } from './batch.ts';
import type { Step, StepMetrics } from './step.ts';

/** A dimension snapshot keyed for left joins: only the columns a lookup takes are kept. */
export interface DimensionTable {
  /** Row by key text. pandas' `merge` matches a null key with a null key: that row is `nullRow`. */
  index: Map<string, number>;
  nullRow: number;
  /** Rows in the snapshot. */
  size: number;
  /** Per taken column, per row: the cell text as written. */
  cells: string[][];
  /** Per taken column: numbers per row (NaN for null) for numeric columns, else undefined. */
  numbers: (Float64Array | undefined)[];
  /** Per taken column: no cell needs CSV quoting. */
  safe: boolean[];
}

/**
 * Keys a dimension's rows and keeps the `take` columns.
 * @throws InputError `MISSING_COLUMN`, `DUPLICATE_KEY` (a duplicate would fan the join out),
 * `INVALID_NUMBER` for a numeric column's text
 */
export function buildDimensionTable(
  name: string,
  dimension: DimensionSource,
  header: readonly string[],
  rows: readonly string[][],
  take: readonly string[],
  key: string,
): DimensionTable {
  const needed = [...dimension.key, ...take];
  const missing = needed.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    throw new InputError(`missing column(s) ${missing.join(', ')}`, {
      code: 'MISSING_COLUMN',
      location: { source: name, key, column: missing.join(', ') },
    });
  }
  const keyColumns = dimension.key.map((column) => header.indexOf(column));
  const takeColumns = take.map((column) => header.indexOf(column));
  const table: DimensionTable = {
    index: new Map(),
    nullRow: -1,
    size: rows.length,
    cells: take.map(() => []),
    numbers: take.map((column) =>
      isNumericType(dimension.schema[column] ?? 'string') ? new Float64Array(rows.length) : undefined,
    ),
    safe: take.map(() => true),
  };
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as string[];
    const text = keyText(row, keyColumns);
    const nullKey = keyColumns.length === 1 && isNull(text);
    const previous = nullKey ? table.nullRow : (table.index.get(text) ?? -1);
    if (previous >= 0) {
      const shown = nullKey ? 'null' : JSON.stringify(text.replaceAll('\u001f', ', '));
      throw new InputError(
        `duplicate ${dimension.key.join(', ')} ${shown} (rows ${previous + 1} and ${r + 1})`,
        {
          code: 'DUPLICATE_KEY',
          location: { source: name, key, row: r + 1, column: dimension.key.join(', ') },
        },
      );
    }
    if (nullKey) table.nullRow = r;
    else table.index.set(text, r);
    takeColumns.forEach((c, k) => {
      const cell = row[c] as string;
      (table.cells[k] as string[]).push(cell);
      if (table.safe[k] && needsQuotes(cell)) table.safe[k] = false;
      const numbers = table.numbers[k];
      if (numbers) {
        const value = readNumber(cell);
        if (value === undefined) {
          throw new InputError(`${take[k]} ${JSON.stringify(cell)} is not a number`, {
            code: 'INVALID_NUMBER',
            location: { source: name, key, row: r + 1, column: take[k] as string },
          });
        }
        numbers[r] = value;
      }
    });
  }
  return table;
}

/** A left join with a dimension table: appends its columns, nulls where the key has no row. */
export class LookupStep implements Step {
  readonly name: string;
  private matched = 0;
  private unmatched = 0;
  private table: DimensionTable | undefined;

  constructor(
    dimension: string,
    private readonly on: readonly number[],
    /** Positions the taken columns get. */
    private readonly positions: readonly number[],
  ) {
    this.name = `lookup_${dimension}`;
  }

  /** Gives the step its table (loaded while the fact object opens). */
  setTable(table: DimensionTable): void {
    this.table = table;
  }

  run(batch: Batch): void {
    const table = this.table as DimensionTable;
    const { on, positions } = this;
    const numbers = table.numbers.map((n, k) => (n ? batch.numberColumn(positions[k] as number) : undefined));
    for (let k = 0; k < positions.length; k++) {
      if (!numbers[k]) batch.invalidate(positions[k] as number);
      batch.setSafe(positions[k] as number, table.safe[k] as boolean);
    }
    // A one-column key's values get the matched row as their id (see Batch.idsOf).
    const ids = on.length === 1 ? batch.idColumn(on[0] as number, table.size) : undefined;
    for (let i = 0; i < batch.size; i++) {
      const row = batch.rows[i] as string[];
      const text = keyText(row, on);
      const r = on.length === 1 && isNull(text) ? table.nullRow : (table.index.get(text) ?? -1);
      if (ids) ids[i] = r;
      if (r >= 0) this.matched++;
      else this.unmatched++;
      for (let k = 0; k < positions.length; k++) {
        row[positions[k] as number] = r >= 0 ? ((table.cells[k] as string[])[r] as string) : '';
        const cache = numbers[k];
        if (cache) cache[i] = r >= 0 ? ((table.numbers[k] as Float64Array)[r] as number) : Number.NaN;
      }
    }
  }

  metrics(): StepMetrics {
    return { matched: this.matched, unmatched: this.unmatched };
  }
}
