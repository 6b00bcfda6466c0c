import type { AnyRow } from '../definition/schema.ts';
import { isNull } from '../pandas/pandas-text.ts';
import { parseBoolean } from '../sources/values.ts';
import type { Batch } from './batch.ts';
import type { Layout } from './layout.ts';

/** A row as user functions see it: typed getters over the current batch row, no object per row. */
export interface RowView {
  /** The row the getters read. */
  at: number;
  batch: Batch;
  readonly row: AnyRow;
}

/**
 * Builds a view of `layout`: one object whose getters read row `at` of `batch` with pandas' types
 * (numbers, NaN for null; text or null; booleans or null). A getter parses nothing twice: numbers come
 * from the batch's per-column cache.
 */
export function createRowView(layout: Layout): RowView {
  const state = { at: 0, batch: undefined as unknown as Batch };
  const row = {} as AnyRow;
  layout.names.forEach((name, c) => {
    const type = layout.types[c];
    const text = () => (state.batch.rows[state.at] as string[])[c] as string;
    let get: () => unknown;
    if (type === 'int' || type === 'float') get = () => state.batch.number(c)[state.at];
    else if (type === 'bool') {
      get = () => {
        const values = state.batch.valuesOf(c);
        return values ? values[state.at] : (parseBoolean(text()) ?? null);
      };
    } else if (type === 'unknown') {
      get = () => {
        const { batch, at } = state;
        const values = batch.valuesOf(c);
        if (values) return values[at];
        if (batch.hasNumbers(c)) return batch.number(c)[at];
        const t = text();
        return isNull(t) ? null : t;
      };
    } else {
      get = () => {
        const t = text();
        return isNull(t) ? null : t;
      };
    }
    Object.defineProperty(row, name, { get, enumerable: true });
  });
  Object.freeze(row);
  return {
    get at() {
      return state.at;
    },
    set at(value: number) {
      state.at = value;
    },
    get batch() {
      return state.batch;
    },
    set batch(value: Batch) {
      state.batch = value;
    },
    row,
  };
}
