import type { InputError } from '../errors.ts';

/**
 * Takes the rows that fail a per-row check instead of the run failing (a source's quarantine).
 * Called only for a bad row, so checking good rows allocates nothing.
 */
export interface RowRejects {
  /**
   * `row` is at `index` in the batch being checked; `rule` names the check (`type:quantity:int`);
   * `error` is what would have been thrown, its location naming the input's row and column.
   */
  reject(row: readonly string[], index: number, rule: string, error: InputError): void;
  /** A further test of each row that passed validation (a quarantine's declared checks). */
  readonly screen?: RowScreen | undefined;
}

/** The first check a valid row fails (`rule` as `check:<name>`, the column(s) read, the message), if any. */
export type RowScreen = (
  row: readonly string[],
) => { rule: string; column: string; message: string } | undefined;
