import type { RowBatch } from '../lake/csv.ts';
import { isNull, readNumber } from '../pandas/pandas-text.ts';
import { parseTimestamp } from '../sources/values.ts';

/** A column's type as its values show it; `empty` when every value was null. */
export type ObservedType = 'empty' | 'int' | 'float' | 'bool' | 'date' | 'datetime' | 'string';

const INT = /^[+-]?\d+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/;
const BOOL = new Set(['True', 'False', 'true', 'false']);

/** The type of one non-null text. */
function typeOf(text: string): ObservedType {
  if (INT.test(text)) return 'int';
  if (readNumber(text) !== undefined) return 'float';
  if (BOOL.has(text)) return 'bool';
  if (DATE.test(text)) return 'date';
  if (DATETIME.test(text)) return 'datetime';
  return 'string';
}

/** The type of a column holding values of both types. */
function widen(a: ObservedType, b: ObservedType): ObservedType {
  if (a === b || b === 'empty') return a;
  if (a === 'empty') return b;
  const pair = new Set([a, b]);
  if (pair.has('int') && pair.has('float')) return 'float';
  if (pair.has('date') && pair.has('datetime')) return 'datetime';
  return 'string';
}

/**
 * What the dataset's values show: each column's type when `everyRow` (a string column stops being
 * looked at once it is one), and the latest timestamp of the columns asked for.
 */
export class ColumnProfile {
  private readonly types: ObservedType[];
  private readonly latest = new Map<number, number>();

  constructor(
    private readonly header: readonly string[],
    private readonly everyRow: boolean,
    private readonly timeColumns: readonly number[] = [],
  ) {
    this.types = header.map(() => 'empty');
  }

  /** Observes a batch. */
  observe(batch: RowBatch): void {
    if (this.everyRow) {
      for (let c = 0; c < this.header.length; c++) {
        let type = this.types[c] as ObservedType;
        if (type === 'string') continue;
        for (let i = 0; i < batch.length; i++) {
          const text = (batch[i] as string[])[c] as string;
          if (!isNull(text)) type = widen(type, typeOf(text));
          if (type === 'string') break;
        }
        this.types[c] = type;
      }
    }
    for (const column of this.timeColumns) {
      let latest = this.latest.get(column) ?? Number.NEGATIVE_INFINITY;
      for (let i = 0; i < batch.length; i++) {
        const ms = parseTimestamp((batch[i] as string[])[column]);
        if (ms !== null && ms > latest) latest = ms;
      }
      this.latest.set(column, latest);
    }
  }

  /**
   * Each column's observed type, by name in header order; `unknown` for every column unless every
   * row of every column was looked at (only then are the types the dataset's).
   */
  columnTypes(): Record<string, ObservedType | 'unknown'> {
    return Object.fromEntries(
      this.header.map((name, c) => [name, this.everyRow ? (this.types[c] as ObservedType) : 'unknown']),
    );
  }

  /** The latest time (epoch ms, naive times as UTC) of a time column; `undefined` when it had none. */
  latestOf(column: number): number | undefined {
    const latest = this.latest.get(column);
    return latest === undefined || latest === Number.NEGATIVE_INFINITY ? undefined : latest;
  }
}
