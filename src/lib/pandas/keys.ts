import { isNull } from './pandas-text.ts';

/** Separates the parts of a composite key; a null part is NUL (no text holds either). */
const KEY_SEPARATOR = '\u001f';
const NULL_PART = '\u0000';

/** The key text of row `row` over `columns` (pandas: nulls are equal to each other). */
export function keyText(row: readonly string[], columns: readonly number[]): string {
  if (columns.length === 1) return row[columns[0] as number] as string;
  let key = '';
  for (let k = 0; k < columns.length; k++) {
    const text = row[columns[k] as number] as string;
    key += (k === 0 ? '' : KEY_SEPARATOR) + (isNull(text) ? NULL_PART : text);
  }
  return key;
}

/** Whether the single-column key is null (composite keys encode nulls in their text). */
export const isNullKey = (columns: readonly number[], key: string): boolean =>
  columns.length === 1 && isNull(key);
