import type { MeasureFn } from '../definition/measures.ts';
import { numpyRound } from '../pandas/numeric.ts';
import { compareCodePoints, isNull } from '../pandas/pandas-text.ts';
import { TextSet } from '../pandas/text-set.ts';
import { formatNumber } from '../sources/values.ts';
import type { Batch } from './batch.ts';
import type { Step, StepMetrics } from './step.ts';

/** A measure compiled against the input layout. */
export interface MeasurePlan {
  fn: MeasureFn;
  /** Input position, -1 for `count()` of rows. */
  column: number;
  numeric: boolean;
  round: number | undefined;
}

/** Per-group state of one measure, in arrays indexed by group id (no object per group and measure). */
class MeasureState {
  count = new Float64Array(64);
  sum = new Float64Array(64);
  compensation = new Float64Array(64);
  extreme = new Float64Array(64).fill(Number.NaN);
  distinct: TextSet[] = [];
  /** Per group: a bit per id of values with ids (see Batch.idsOf); counted in `count`. */
  bits: Uint32Array[] = [];

  grow(groups: number): void {
    if (groups <= this.count.length) return;
    const size = this.count.length * 2;
    const grown = (array: Float64Array, fill = 0) => {
      const next = new Float64Array(size).fill(fill);
      next.set(array);
      return next;
    };
    this.count = grown(this.count);
    this.sum = grown(this.sum);
    this.compensation = grown(this.compensation);
    this.extreme = grown(this.extreme, Number.NaN);
  }
}

/** Ids beyond this many are not counted with bits (a group's bits would outweigh its text). */
const MAX_BITS = 1 << 20;

const increment = (counts: Float64Array, at: number): void => {
  counts[at] = (counts[at] as number) + 1;
};

/** Nested maps, one level per key column; the last level holds group ids. */
type Level = Map<string, Level | number>;

/**
 * pandas' `groupby(by).agg(...)` as rows stream by: rows with a null key are dropped (`dropna`), sums
 * are compensated in row order exactly as pandas' `group_add`, groups come out sorted by key (text by
 * code point, numbers by value). Each batch is done column by column: the rows' group ids first, then
 * one tight loop per measure.
 */
export class AggregateStep implements Step {
  readonly name = 'aggregate';
  private readonly groups: Level = new Map();
  private groupCount = 0;
  private droppedRows = 0;
  private groupOf = new Int32Array(512);
  private readonly states: MeasureState[];

  constructor(
    private readonly by: readonly number[],
    /** Whether each key column sorts as numbers. */
    private readonly numericKeys: readonly boolean[],
    private readonly measures: readonly MeasurePlan[],
  ) {
    this.states = measures.map(() => new MeasureState());
  }

  /** Absorbs the batch's rows into their groups; the batch is left empty. */
  run(batch: Batch): void {
    const n = batch.size;
    const groupOf = this.groupIds(batch);
    for (let m = 0; m < this.measures.length; m++) {
      const measure = this.measures[m] as MeasurePlan;
      const state = this.states[m] as MeasureState;
      const { column } = measure;
      const { count } = state;
      switch (measure.fn) {
        case 'count':
          if (column < 0) for (let i = 0; i < n; i++) increment(count, groupOf[i] as number);
          else if (measure.numeric) {
            const values = batch.number(column);
            for (let i = 0; i < n; i++) if (!Number.isNaN(values[i])) increment(count, groupOf[i] as number);
          } else {
            for (let i = 0; i < n; i++)
              if (!isNull((batch.rows[i] as string[])[column])) increment(count, groupOf[i] as number);
          }
          break;
        case 'countDistinct': {
          const values = measure.numeric ? batch.number(column) : undefined;
          // Values with ids are counted with a bit each, so most are never hashed; the others by text.
          const withIds = values ? undefined : batch.idsOf(column);
          const ids = withIds && withIds.range <= MAX_BITS ? withIds.ids : undefined;
          const words = ids ? ((withIds as { range: number }).range + 31) >>> 5 : 0;
          for (let i = 0; i < n; i++) {
            const g = groupOf[i] as number;
            if (g === 0) continue;
            const text = values
              ? Number.isNaN(values[i])
                ? ''
                : String(values[i])
              : ((batch.rows[i] as string[])[column] as string);
            if (isNull(text)) continue;
            const id = ids ? (ids[i] as number) : -1;
            if (id >= 0) {
              let bits = state.bits[g];
              if (bits === undefined) {
                bits = new Uint32Array(words);
                state.bits[g] = bits;
              }
              const word = id >>> 5;
              const bit = 1 << (id & 31);
              if (((bits[word] as number) & bit) === 0) {
                bits[word] = (bits[word] as number) | bit;
                increment(count, g);
              }
              continue;
            }
            let set = state.distinct[g];
            if (set === undefined) {
              set = new TextSet();
              state.distinct[g] = set;
            }
            set.add(text);
          }
          break;
        }
        case 'sum':
        case 'mean': {
          const values = batch.number(column);
          const { sum, compensation } = state;
          for (let i = 0; i < n; i++) {
            const value = values[i] as number;
            if (Number.isNaN(value)) continue;
            // pandas' group_add, in its exact operation order (Kahan).
            const g = groupOf[i] as number;
            const y = value - (compensation[g] as number);
            const t = (sum[g] as number) + y;
            compensation[g] = t - (sum[g] as number) - y;
            sum[g] = t;
            increment(count, g);
          }
          break;
        }
        default: {
          const values = batch.number(column);
          const { extreme } = state;
          const isMin = measure.fn === 'min';
          for (let i = 0; i < n; i++) {
            const value = values[i] as number;
            if (Number.isNaN(value)) continue;
            const g = groupOf[i] as number;
            const current = extreme[g] as number;
            if (Number.isNaN(current) || (isMin ? value < current : value > current)) extreme[g] = value;
          }
        }
      }
    }
    batch.rows.length = 0;
  }

  /** Each row's group id; 0 (a group that is never output) for a row with a null key. */
  private groupIds(batch: Batch): Int32Array {
    const n = batch.size;
    if (this.groupOf.length < n) this.groupOf = new Int32Array(n);
    const { by, groupOf } = this;
    const last = by.length - 1;
    for (let i = 0; i < n; i++) {
      const row = batch.rows[i] as string[];
      let level = this.groups;
      let id = 0;
      for (let k = 0; k <= last; k++) {
        const key = row[by[k] as number] as string;
        if (isNull(key)) {
          id = 0;
          this.droppedRows++;
          break;
        }
        let next = level.get(key);
        if (next === undefined) {
          next = k === last ? this.newGroup() : new Map();
          level.set(key, next);
        }
        if (k === last) id = next as number;
        else level = next as Level;
      }
      groupOf[i] = id;
    }
    return groupOf;
  }

  private newGroup(): number {
    const id = ++this.groupCount;
    for (const state of this.states) state.grow(id + 1);
    return id;
  }

  /**
   * The groups as rows, sorted by key: the key cells, then each measure. Measure values are cached as
   * numbers in the returned batch's columns, so later steps read them exactly.
   */
  finish(into: Batch): void {
    const rows: string[][] = [];
    const values: number[][] = [];
    const walk = (level: Level, depth: number, prefix: string[]) => {
      const keys = [...level.keys()];
      keys.sort(this.numericKeys[depth] ? (a, b) => Number(a) - Number(b) : compareCodePoints);
      for (const key of keys) {
        const next = level.get(key) as Level | number;
        if (depth < this.by.length - 1) walk(next as Level, depth + 1, [...prefix, key]);
        else {
          const group = next as number;
          const measured = this.measures.map((measure, m) =>
            this.value(this.states[m] as MeasureState, group, measure),
          );
          rows.push([
            ...prefix,
            key,
            ...measured.map((value, m) => this.text(value, this.measures[m] as MeasurePlan)),
          ]);
          values.push(measured);
        }
      }
    };
    walk(this.groups, 0, []);
    into.reset(rows, 1);
    this.measures.forEach((_, m) => {
      into.setSafe(this.by.length + m, true);
      const cache = into.numberColumn(this.by.length + m);
      for (let i = 0; i < rows.length; i++) cache[i] = (values[i] as number[])[m] as number;
    });
  }

  private value(state: MeasureState, group: number, measure: MeasurePlan): number {
    let value: number;
    switch (measure.fn) {
      case 'count':
        value = state.count[group] as number;
        break;
      case 'countDistinct': {
        // The set's arrays go to the next set (see TextSet.release); the count is all that is needed.
        const distinct = state.distinct[group];
        value = (state.count[group] as number) + (distinct?.size ?? 0);
        distinct?.release();
        break;
      }
      case 'sum':
        value = state.sum[group] as number;
        break;
      case 'mean':
        value =
          state.count[group] === 0
            ? Number.NaN
            : (state.sum[group] as number) / (state.count[group] as number);
        break;
      default:
        value = state.extreme[group] as number;
    }
    return measure.round === undefined ? value : numpyRound(value, measure.round);
  }

  private text(value: number, measure: MeasurePlan): string {
    return measure.fn === 'count' || measure.fn === 'countDistinct' ? String(value) : formatNumber(value);
  }

  metrics(): StepMetrics {
    return { groups: this.groupCount, rows_without_key: this.droppedRows };
  }
}
