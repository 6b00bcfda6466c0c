import type { TextOptions } from '../definition/chain.ts';
import type { AnyRow, Value } from '../definition/schema.ts';
import { needsQuotes } from '../lake/csv.ts';
import { isNullKey, keyText } from '../pandas/keys.ts';
import { isNull, pythonStrip } from '../pandas/pandas-text.ts';
import { TextSet } from '../pandas/text-set.ts';
import { pythonTitle } from '../pandas/title-case.ts';
import { formatValue } from '../sources/values.ts';
import type { Batch } from './batch.ts';
import type { Layout } from './layout.ts';
import { RowView } from './row-view.ts';
import type { Step, StepMetrics } from './step.ts';

/** `drop_duplicates(subset=keys)`, keeping the first row of each key. */
export class DedupeStep implements Step {
  readonly name = 'dedupe';
  private readonly seen = new TextSet();
  private seenNull = false;
  private removed = 0;

  constructor(private readonly columns: readonly number[]) {}

  run(batch: Batch): void {
    const keep = flags(batch.size);
    let dropped = false;
    for (let i = 0; i < batch.size; i++) {
      const row = batch.rows[i] as string[];
      const key = keyText(row, this.columns);
      let first: boolean;
      if (isNullKey(this.columns, key)) {
        first = !this.seenNull;
        this.seenNull = true;
      } else first = this.seen.add(key);
      keep[i] = first ? 1 : 0;
      if (!first) dropped = true;
    }
    if (dropped) this.removed += batch.compact(keep);
  }

  metrics(): StepMetrics {
    return { removed: this.removed };
  }

  release(): void {
    this.seen.release();
  }
}

let keepFlags = new Uint8Array(512);
/** A scratch array of row flags, shared: steps run one at a time and use it within `run`. */
function flags(size: number): Uint8Array {
  if (keepFlags.length < size) keepFlags = new Uint8Array(size);
  return keepFlags;
}

/** `fillna` per column. */
export class FillNullStep implements Step {
  readonly name = 'fill_null';
  private readonly filled: number[];
  private readonly texts: string[];

  constructor(
    private readonly columns: readonly number[],
    private readonly names: readonly string[],
    private readonly values: readonly Value[],
    private readonly numeric: readonly boolean[],
  ) {
    this.filled = columns.map(() => 0);
    this.texts = values.map((value) => formatValue(value));
  }

  run(batch: Batch): void {
    this.columns.forEach((c, k) => {
      const numbers = this.numeric[k] && batch.hasNumbers(c) ? batch.number(c) : undefined;
      const values = batch.valuesOf(c);
      const text = this.texts[k] as string;
      let filled = 0;
      for (let i = 0; i < batch.size; i++) {
        const row = batch.rows[i] as string[];
        if (!isNull(row[c])) continue;
        row[c] = text;
        if (numbers) numbers[i] = this.values[k] as number;
        if (values) values[i] = this.values[k] as Value;
        filled++;
      }
      (this.filled[k] as number) += filled;
      // Filled cells no longer hold the text their ids stood for.
      if (filled > 0 && batch.idsOf(c)) batch.invalidate(c);
      if (filled > 0 && needsQuotes(text)) batch.setSafe(c, false);
      if (filled > 0 && batch.lineWidth > c) batch.lines = undefined;
    });
  }

  metrics(): StepMetrics {
    return Object.fromEntries(this.names.map((name, k) => [`filled_${name}`, this.filled[k] as number]));
  }
}

const TEXT_CACHE_LIMIT = 10_000;

/** Text normalisation: Python's `str.strip()`, then case (`str.title()` to the letter); cached per spelling. */
export class TextStep implements Step {
  readonly name = 'text';
  private readonly cache = new Map<string, string>();
  private changed = 0;

  constructor(
    private readonly columns: readonly number[],
    private readonly options: { strip: boolean; case: TextOptions['case'] },
  ) {}

  run(batch: Batch): void {
    for (const c of this.columns) {
      for (let i = 0; i < batch.size; i++) {
        const row = batch.rows[i] as string[];
        const text = row[c] as string;
        if (isNull(text)) {
          row[c] = '';
          continue;
        }
        const normal = this.normalise(text);
        if (normal !== text) this.changed++;
        row[c] = normal;
      }
      batch.invalidate(c);
      if (batch.lineWidth > c) batch.lines = undefined;
    }
  }

  private normalise(text: string): string {
    let normal = this.cache.get(text);
    if (normal === undefined) {
      normal = this.options.strip ? pythonStrip(text) : text;
      if (this.options.case === 'title') normal = pythonTitle(normal);
      else if (this.options.case === 'upper') normal = normal.toUpperCase();
      else if (this.options.case === 'lower') normal = normal.toLowerCase();
      if (this.cache.size >= TEXT_CACHE_LIMIT) this.cache.clear();
      this.cache.set(text, normal);
    }
    return normal;
  }

  metrics(): StepMetrics {
    return { changed: this.changed };
  }
}

/** Keeps the rows a predicate accepts. */
export class FilterStep implements Step {
  readonly name = 'filter';
  private removed = 0;
  private readonly view: RowView;

  constructor(
    layout: Layout,
    private readonly predicate: (row: AnyRow) => boolean,
  ) {
    this.view = new RowView(layout);
  }

  run(batch: Batch): void {
    const keep = flags(batch.size);
    const { view, predicate } = this;
    view.use(batch);
    let dropped = false;
    for (let i = 0; i < batch.size; i++) {
      view.at = i;
      const kept = predicate(view.row) === true;
      keep[i] = kept ? 1 : 0;
      if (!kept) dropped = true;
    }
    if (dropped) this.removed += batch.compact(keep);
  }

  metrics(): StepMetrics {
    return { removed: this.removed };
  }
}

/**
 * Computed columns (`derive` functions, `apply`): `compute` fills one value per output column from the
 * row as it was before the step; values are kept typed (numbers in the batch's number cache) and
 * written as text.
 */
export class ComputeStep implements Step {
  private readonly view: RowView;
  private readonly computed: Value[];

  constructor(
    readonly name: string,
    layout: Layout,
    /** Positions of the output columns. */
    private readonly outputs: readonly number[],
    private readonly compute: (row: AnyRow, into: Value[]) => void,
    /** The first existing column the step overwrites (formatted lines up to it stay valid). */
    private readonly firstReplaced: number,
  ) {
    this.view = new RowView(layout);
    this.computed = outputs.map(() => null);
  }

  run(batch: Batch): void {
    const { view, outputs, computed } = this;
    view.use(batch);
    const n = batch.size;
    if (n === 0) return;
    // A column's cache is chosen by its first value: numbers (NaN for null, as pandas), else values.
    const numbers: (Float64Array | undefined)[] = [];
    const values: (Value[] | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      view.at = i;
      this.compute(view.row, computed);
      const row = batch.rows[i] as string[];
      for (let k = 0; k < outputs.length; k++) {
        const value = computed[k] as Value;
        const position = outputs[k] as number;
        if (i === 0) {
          batch.invalidate(position);
          if (typeof value === 'number') numbers[k] = batch.numberColumn(position);
          else values[k] = batch.valueColumn(position);
          batch.setSafe(position, typeof value === 'number' || typeof value === 'boolean');
        }
        const numberCache = numbers[k];
        if (numberCache) numberCache[i] = typeof value === 'number' ? value : Number.NaN;
        else (values[k] as Value[])[i] = value;
        const text = formatValue(value);
        // A column is safe while its values are numbers, booleans or null; text must be checked.
        if (typeof value === 'string' && batch.safe[position] === 1 && needsQuotes(text))
          batch.setSafe(position, false);
        row[position] = text;
      }
    }
    if (batch.lineWidth > this.firstReplaced) batch.lines = undefined;
  }

  metrics(): StepMetrics {
    return {};
  }
}
