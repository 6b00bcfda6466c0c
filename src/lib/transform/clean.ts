import { InputError } from '../errors.ts';
import type { RowBatch } from '../lake/csv.ts';
import type { TRANSACTION_INPUT } from './columns.ts';
import { isNull, pythonStrip, readNumber } from './pandas-text.ts';
import { TextSet } from './text-set.ts';
import {
  DAY_NAMES,
  dayOfWeek,
  formatDatePart,
  formatTimestampText,
  hourText,
  isNaTText,
  ParsedTimestamp,
  parseTimestampInto,
} from './timestamps.ts';
import { pythonTitle } from './title-case.ts';

/** Positions of the transaction columns the transform reads, from the header. */
export type TransactionColumns = Record<(typeof TRANSACTION_INPUT)[number], number>;

/** The seed's cleaning metrics. */
export interface CleanMetrics {
  initial_rows: number;
  after_dedup: number;
  null_regions_filled: number;
  invalid_amounts_removed: number;
  final_rows: number;
}

const PRODUCT_CACHE_LIMIT = 10_000;

/**
 * The seed's `clean_transactions`, one batch at a time and in its order: drop repeated
 * `transaction_id`s (first kept, nulls equal), fill null regions, `strip().title()` products, parse
 * timestamps and derive date/hour/day_of_week/is_weekend, drop negative amounts (NaN is kept).
 * Rows are edited in place (they keep their width); per kept row the derived columns, as CSV text,
 * and the parsed amount, quantity and date are left in the scratch arrays for the writers and the
 * enrichment step.
 */
export class TransactionCleaner {
  readonly metrics: CleanMetrics = {
    initial_rows: 0,
    after_dedup: 0,
    null_regions_filled: 0,
    invalid_amounts_removed: 0,
    final_rows: 0,
  };
  /** Per kept row of the last batch: total_amount, quantity (NaN for null), date (`''` for NaT). */
  amounts = new Float64Array(0);
  quantities = new Float64Array(0);
  dates: string[] = [];
  /** Per kept row of the last batch: `date,hour,day_of_week,is_weekend` as CSV text. */
  derived: string[] = [];
  /** Per kept row: the product was null (joins the null product key, as pandas does). */
  productIsNull = new Uint8Array(0);

  /** Ids seen so far: compact, since it grows with the date's rows (see TextSet). */
  private readonly seenIds = new TextSet();
  private seenNullId = false;
  private readonly timestamp = new ParsedTimestamp();
  /** Offset of the first parsed timestamp (`null` = naive); pandas refuses to mix them. */
  private zone: number | null | undefined;
  private readonly titles = new Map<string, string>();
  /**
   * The last date seen and its derived columns as CSV text, by hour: a date's rows share them, so
   * they are built once instead of a date string and four fields per row.
   */
  private lastDate: string | undefined;
  private derivedByHour: string[] = [];

  constructor(
    private readonly col: TransactionColumns,
    private readonly key: string,
  ) {}

  /** Cleans `batch` in place, moving kept rows to its front; returns how many were kept. */
  cleanBatch(batch: RowBatch): number {
    this.ensureScratch(batch.length);
    const { col, metrics } = this;
    let kept = 0;
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i] as string[];
      const rowNumber = ++metrics.initial_rows;
      // pandas types a column from all its rows: one text amount anywhere makes the arithmetic fail.
      const amount = this.number(row, col.total_amount, 'total_amount', rowNumber);
      const quantity = this.number(row, col.quantity, 'quantity', rowNumber);
      if (!this.firstOccurrence(row[col.transaction_id] as string)) continue;
      metrics.after_dedup++;

      if (isNull(row[col.region])) {
        row[col.region] = 'Unknown';
        metrics.null_regions_filled++;
      }
      const product = row[col.product] as string;
      const productIsNull = isNull(product);
      row[col.product] = productIsNull ? '' : this.title(product);
      const date = this.timestampColumns(row, rowNumber, i);

      if (amount < 0) {
        metrics.invalid_amounts_removed++;
        continue;
      }
      this.amounts[kept] = amount;
      this.quantities[kept] = quantity;
      this.dates[kept] = date;
      this.derived[kept] = this.derived[i] as string;
      this.productIsNull[kept] = productIsNull ? 1 : 0;
      batch[kept++] = row;
    }
    batch.length = kept;
    this.dates.length = kept;
    this.derived.length = kept;
    metrics.final_rows += kept;
    return kept;
  }

  /** Ends the date: the set of ids seen goes to the next cleaner (see `TextSet.release`); no batch may follow. */
  release(): void {
    this.seenIds.release();
  }

  private firstOccurrence(id: string): boolean {
    if (isNull(id)) {
      if (this.seenNullId) return false;
      this.seenNullId = true;
      return true;
    }
    return this.seenIds.add(id);
  }

  /**
   * Rewrites the timestamp and sets `derived[at]` to the derived columns; returns the date (`''` for
   * NaT).
   */
  private timestampColumns(row: string[], rowNumber: number, at: number): string {
    const raw = row[this.col.timestamp] as string;
    if (isNull(raw) || isNaTText(raw)) {
      row[this.col.timestamp] = '';
      this.derived[at] = ',,,false';
      return '';
    }
    const t = this.timestamp;
    if (!parseTimestampInto(raw, t)) {
      throw new InputError(`timestamp ${JSON.stringify(raw)} is not an ISO-8601 date-time pandas can hold`, {
        code: 'INVALID_TIMESTAMP',
        location: { source: 'transactions', key: this.key, row: rowNumber, column: 'timestamp' },
      });
    }
    this.checkZone(t.offset ?? null, rowNumber);
    row[this.col.timestamp] = formatTimestampText(t, raw);
    // A canonical timestamp starts with its date: compared in place, no date string is cut per row.
    const last = this.lastDate;
    const date = last !== undefined && t.canonical && raw.startsWith(last) ? last : formatDatePart(t, raw);
    if (date !== last) {
      this.lastDate = date;
      this.derivedByHour = [];
    }
    let derived = this.derivedByHour[t.hour];
    if (derived === undefined) {
      const weekday = dayOfWeek(t);
      derived = `${date},${hourText(t)},${DAY_NAMES[weekday] as string},${weekday >= 5 ? 'true' : 'false'}`;
      this.derivedByHour[t.hour] = derived;
    }
    this.derived[at] = derived;
    return date;
  }

  private checkZone(zone: number | null, rowNumber: number): void {
    if (this.zone === undefined) this.zone = zone;
    else if (this.zone !== zone) {
      throw new InputError(
        'timestamps mix UTC offsets (or offsets and naive times); pandas cannot derive dates',
        {
          code: 'MIXED_TIMEZONES',
          location: { source: 'transactions', key: this.key, row: rowNumber, column: 'timestamp' },
        },
      );
    }
  }

  private number(row: string[], index: number, column: string, rowNumber: number): number {
    const text = row[index] as string;
    const value = readNumber(text);
    if (value === undefined) {
      throw new InputError(`${column} ${JSON.stringify(text)} is not a number`, {
        code: 'INVALID_NUMBER',
        location: { source: 'transactions', key: this.key, row: rowNumber, column },
      });
    }
    return value;
  }

  /** `.str.strip().str.title()`, cached: a catalog has few product spellings. */
  private title(product: string): string {
    let titled = this.titles.get(product);
    if (titled === undefined) {
      titled = pythonTitle(pythonStrip(product));
      if (this.titles.size >= PRODUCT_CACHE_LIMIT) this.titles.clear();
      this.titles.set(product, titled);
    }
    return titled;
  }

  private ensureScratch(size: number): void {
    if (this.amounts.length >= size) return;
    this.amounts = new Float64Array(size);
    this.quantities = new Float64Array(size);
    this.productIsNull = new Uint8Array(size);
  }
}
