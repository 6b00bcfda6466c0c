import type { AnyRow, Value } from '../definition/schema.ts';
import { isNull } from '../pandas/pandas-text.ts';
import { parseBoolean } from '../sources/values.ts';
import type { Batch } from './batch.ts';
import type { Layout } from './layout.ts';

/**
 * A row as user functions see it: one object whose getters read row `at` of the batch with pandas'
 * types (numbers, NaN for null; text or null; booleans or null). Nothing is allocated per row, and a
 * number is read from the batch's per-column cache (fetched once per batch, not once per access).
 */
export class RowView {
  /** The row the getters read. */
  at = 0;
  readonly row: AnyRow;
  private batch: Batch | undefined;
  private readonly numbers: (Float64Array | undefined)[] = [];

  constructor(layout: Layout) {
    const row = {} as AnyRow;
    layout.names.forEach((name, c) => {
      Object.defineProperty(row, name, {
        get: this.getter(c, layout.types[c] ?? 'unknown'),
        enumerable: true,
      });
    });
    this.row = Object.freeze(row);
  }

  /** Points the view at a batch (before its rows are read). */
  use(batch: Batch): void {
    this.batch = batch;
    this.numbers.fill(undefined);
  }

  private getter(c: number, type: Layout['types'][number]): () => Value {
    const text = () => ((this.batch as Batch).rows[this.at] as string[])[c] as string;
    const nullable = () => {
      const t = text();
      return isNull(t) ? null : t;
    };
    switch (type) {
      case 'int':
      case 'float':
        return () => (this.numbers[c] ?? this.loadNumbers(c))[this.at] as number;
      case 'bool':
        return () => {
          const values = (this.batch as Batch).valuesOf(c);
          return values ? (values[this.at] as Value) : (parseBoolean(text()) ?? null);
        };
      case 'unknown':
        return () => {
          const batch = this.batch as Batch;
          const values = batch.valuesOf(c);
          if (values) return values[this.at] as Value;
          if (batch.hasNumbers(c)) return (this.numbers[c] ?? this.loadNumbers(c))[this.at] as number;
          return nullable();
        };
      default:
        return nullable;
    }
  }

  private loadNumbers(c: number): Float64Array {
    const numbers = (this.batch as Batch).number(c);
    this.numbers[c] = numbers;
    return numbers;
  }
}
