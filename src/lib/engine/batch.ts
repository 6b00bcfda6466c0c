import type { Value } from '../definition/schema.ts';
import { InputError } from '../errors.ts';
import { readNumber } from '../pandas/pandas-text.ts';

/** Parsed date-time parts of one column, per row of a batch (set by `parse`, read by time parts). */
export interface TimeParts {
  /** `YYYY-MM-DD`, `''` for NaT. */
  date: string[];
  /** 0-23, -1 for NaT. */
  hour: Int8Array;
  /** Monday 0 … Sunday 6, -1 for NaT. */
  weekday: Int8Array;
  /** `+HH:MM` / `-HH:MM` of an offset time, `''` for a naive one. */
  offset: string[];
}

/**
 * The rows of one batch as the steps edit them in place: text cells (what is written), plus per-column
 * caches of the values steps computed or parsed, so a number is parsed once per row however many steps
 * read it. Caches belong to one generation of rows; `compact` keeps them aligned when rows drop.
 */
export class Batch {
  rows: string[][] = [];
  /** 1-based input row of each row, for messages. */
  origin = new Int32Array(0);
  /** CSV lines of the rows' first `lineWidth` cells, as the last write formatted them (see write steps). */
  lines: string[] | undefined;
  lineWidth = 0;
  /** Writes waiting for their object's backpressure. */
  pending: Promise<unknown>[] = [];
  /**
   * Per column: 1 when no cell of it needs CSV quoting in these rows (numbers, canonical times,
   * checked dimension text), so writes join it without checking. Steps set it as they write a column.
   */
  safe = new Uint8Array(64);

  private generation = 0;
  private readonly numbers: (Float64Array | undefined)[] = [];
  private readonly numbersAt: number[] = [];
  private readonly values: (Value[] | undefined)[] = [];
  private readonly valuesAt: number[] = [];
  private readonly times: (TimeParts | undefined)[] = [];
  private readonly timesAt: number[] = [];
  private readonly ids: (Int32Array | undefined)[] = [];
  private readonly idsAt: number[] = [];
  private readonly idRanges: number[] = [];

  constructor(
    /** Column names by position, for messages. */
    private readonly columnNames: () => readonly string[],
    private readonly location: { source?: string; key?: string },
  ) {}

  get size(): number {
    return this.rows.length;
  }

  /** Starts a new set of rows; every cache is dropped. */
  reset(rows: string[][], firstRow: number): void {
    this.rows = rows;
    this.generation++;
    if (this.origin.length < rows.length) this.origin = new Int32Array(Math.max(rows.length, 512));
    for (let i = 0; i < rows.length; i++) this.origin[i] = firstRow + i;
    this.lines = undefined;
    this.lineWidth = 0;
    this.pending = [];
    this.safe.fill(0);
  }

  /** Marks column `c` as needing no CSV quoting (or as needing checks again). */
  setSafe(c: number, safe: boolean): void {
    if (c >= this.safe.length) {
      const grown = new Uint8Array(Math.max(c + 1, this.safe.length * 2));
      grown.set(this.safe);
      this.safe = grown;
    }
    this.safe[c] = safe ? 1 : 0;
  }

  /**
   * Column `c` as numbers (NaN for null), parsed from the text once per batch.
   * @throws InputError `INVALID_NUMBER` naming the row and column
   */
  number(c: number): Float64Array {
    if (this.numbersAt[c] === this.generation) return this.numbers[c] as Float64Array;
    const out = this.numberColumn(c);
    const { rows } = this;
    for (let i = 0; i < rows.length; i++) {
      const text = (rows[i] as string[])[c] as string;
      const value = readNumber(text);
      if (value === undefined) {
        throw new InputError(`${this.columnNames()[c]} ${JSON.stringify(text)} is not a number`, {
          code: 'INVALID_NUMBER',
          location: {
            ...this.location,
            row: this.origin[i] as number,
            column: this.columnNames()[c] as string,
          },
        });
      }
      out[i] = value;
    }
    return out;
  }

  /** Whether column `c` has numbers cached for these rows. */
  hasNumbers(c: number): boolean {
    return this.numbersAt[c] === this.generation;
  }

  /** A number array for column `c` that the caller fills for every row; it is the cache from now on. */
  numberColumn(c: number): Float64Array {
    let out = this.numbers[c];
    if (out === undefined || out.length < this.rows.length) {
      out = new Float64Array(Math.max(this.rows.length, 512));
      this.numbers[c] = out;
    }
    this.numbersAt[c] = this.generation;
    return out;
  }

  /** Typed values of column `c` if a step set them for these rows (booleans, computed text). */
  valuesOf(c: number): Value[] | undefined {
    return this.valuesAt[c] === this.generation ? this.values[c] : undefined;
  }

  /** A value array for column `c` that the caller fills for every row. */
  valueColumn(c: number): Value[] {
    let out = this.values[c];
    if (out === undefined) {
      out = [];
      this.values[c] = out;
    }
    out.length = this.rows.length;
    this.valuesAt[c] = this.generation;
    return out;
  }

  /** Forgets the cached values of column `c` (its text changed). */
  invalidate(c: number): void {
    this.numbersAt[c] = -1;
    this.valuesAt[c] = -1;
    this.timesAt[c] = -1;
    this.idsAt[c] = -1;
  }

  /**
   * Dense ids of column `c`'s values, if a step set them for these rows: equal texts have equal ids
   * in `0..range-1` (a lookup sets its key column's to the dimension row it matched), -1 for a value
   * without one. Lets a distinct count use bits instead of hashing text.
   */
  idsOf(c: number): { ids: Int32Array; range: number } | undefined {
    return this.idsAt[c] === this.generation
      ? { ids: this.ids[c] as Int32Array, range: this.idRanges[c] as number }
      : undefined;
  }

  /** An id array for column `c` (ids in `0..range-1`) that the caller fills for every row. */
  idColumn(c: number, range: number): Int32Array {
    let out = this.ids[c];
    if (out === undefined || out.length < this.rows.length) {
      out = new Int32Array(Math.max(this.rows.length, 512));
      this.ids[c] = out;
    }
    this.idsAt[c] = this.generation;
    this.idRanges[c] = range;
    return out;
  }

  /** Parsed time parts of column `c`, if a step set them for these rows. */
  timesOf(c: number): TimeParts | undefined {
    return this.timesAt[c] === this.generation ? this.times[c] : undefined;
  }

  /** Time-part arrays for column `c` that the caller fills for every row. */
  timeColumn(c: number): TimeParts {
    const size = Math.max(this.rows.length, 512);
    let out = this.times[c];
    if (out === undefined || out.hour.length < this.rows.length) {
      out = { date: [], hour: new Int8Array(size), weekday: new Int8Array(size), offset: [] };
      this.times[c] = out;
    }
    out.date.length = this.rows.length;
    out.offset.length = this.rows.length;
    this.timesAt[c] = this.generation;
    return out;
  }

  /**
   * Keeps the rows whose `keep` flag is set, in order, moving every cache of this generation along.
   * @returns how many rows were dropped
   */
  compact(keep: Uint8Array): number {
    const { rows, origin, lines } = this;
    const n = rows.length;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i] === 0) continue;
      rows[kept] = rows[i] as string[];
      origin[kept] = origin[i] as number;
      if (lines) lines[kept] = lines[i] as string;
      kept++;
    }
    if (kept === n) return 0;
    const move = (array: { [i: number]: unknown; length: number }) => {
      let to = 0;
      for (let i = 0; i < n; i++) if (keep[i] !== 0) array[to++] = array[i];
    };
    this.numbers.forEach((array, c) => {
      if (array && this.numbersAt[c] === this.generation) move(array);
    });
    this.ids.forEach((array, c) => {
      if (array && this.idsAt[c] === this.generation) move(array);
    });
    this.values.forEach((array, c) => {
      if (array && this.valuesAt[c] === this.generation) {
        move(array);
        array.length = kept;
      }
    });
    this.times.forEach((parts, c) => {
      if (!parts || this.timesAt[c] !== this.generation) return;
      move(parts.date);
      move(parts.hour);
      move(parts.weekday);
      move(parts.offset);
      parts.date.length = kept;
      parts.offset.length = kept;
    });
    rows.length = kept;
    if (lines) lines.length = kept;
    return n - kept;
  }
}
