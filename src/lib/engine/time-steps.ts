import type { ParseType } from '../definition/chain.ts';
import type { TimePartName } from '../definition/expressions.ts';
import { InputError } from '../errors.ts';
import { isNull, readNumber } from '../pandas/pandas-text.ts';
import {
  DAY_NAMES,
  dayOfWeek,
  formatDatePart,
  formatTimestampText,
  isNaTText,
  ParsedTimestamp,
  parseTimestampInto,
} from '../pandas/timestamps.ts';
import { formatNumber } from '../sources/values.ts';
import type { Batch, TimeParts } from './batch.ts';
import type { Step, StepMetrics } from './step.ts';

const HOUR_TEXT = Array.from({ length: 24 }, (_, hour) => String(hour));
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Where errors point: the object read and its source. */
export interface Where {
  source?: string;
  key?: string;
}

/**
 * `pd.to_datetime` on one column, row by row: parses, remembers the parts (date, hour, weekday) for
 * the time parts that follow, and checks that the whole date shares one kind of time (pandas refuses
 * to mix UTC offsets, or offsets and naive times).
 */
export class TimeParser {
  private readonly t = new ParsedTimestamp();
  /** Offset of the first time (`null` = naive); undefined before the first. */
  private zone: number | null | undefined;
  private lastDate: string | undefined;
  private lastWeekday = 0;

  constructor(
    private readonly column: string,
    private readonly where: Where,
  ) {}

  /**
   * Parses column `c` of every row into the batch's time parts; with `rewrite`, the cell becomes the
   * canonical text (`YYYY-MM-DD HH:MM:SS[.fff][+HH:MM]`, `''` for NaT) or, for `date`, `YYYY-MM-DD`.
   * @throws InputError `INVALID_TIMESTAMP`, `MIXED_TIMEZONES` naming the row and column
   */
  fill(batch: Batch, c: number, rewrite: 'datetime' | 'date' | false): TimeParts {
    const parts = batch.timeColumn(c);
    const { t } = this;
    for (let i = 0; i < batch.size; i++) {
      const row = batch.rows[i] as string[];
      const raw = row[c] as string;
      if (isNull(raw) || isNaTText(raw)) {
        if (rewrite) row[c] = '';
        parts.date[i] = '';
        parts.hour[i] = -1;
        parts.weekday[i] = -1;
        parts.offset[i] = '';
        continue;
      }
      if (!parseTimestampInto(raw, t)) {
        throw new InputError(
          `${this.column} ${JSON.stringify(raw)} is not an ISO-8601 date-time pandas can hold`,
          {
            code: 'INVALID_TIMESTAMP',
            location: { ...this.where, row: batch.origin[i] as number, column: this.column },
          },
        );
      }
      this.checkZone(t.offset ?? null, batch.origin[i] as number);
      // A canonical timestamp starts with its date: compared in place, no date string is cut per row.
      const last = this.lastDate;
      const date = last !== undefined && t.canonical && raw.startsWith(last) ? last : formatDatePart(t, raw);
      if (date !== last) {
        this.lastDate = date;
        this.lastWeekday = dayOfWeek(t);
      }
      if (rewrite === 'datetime') row[c] = formatTimestampText(t, raw);
      else if (rewrite === 'date') row[c] = date;
      parts.date[i] = date;
      parts.hour[i] = t.hour;
      parts.weekday[i] = this.lastWeekday;
      parts.offset[i] = t.offset === undefined ? '' : offsetText(t.offset);
    }
    return parts;
  }

  private checkZone(zone: number | null, row: number): void {
    if (this.zone === undefined) this.zone = zone;
    else if (this.zone !== zone) {
      throw new InputError(
        `${this.column}: times mix UTC offsets (or offsets and naive times); pandas cannot derive dates`,
        {
          code: 'MIXED_TIMEZONES',
          location: { ...this.where, row, column: this.column },
        },
      );
    }
  }
}

function offsetText(offset: number): string {
  const minutes = Math.abs(offset);
  return `${offset < 0 ? '-' : '+'}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

/** `parse()`: text to canonical date-times, dates or numbers. */
export class ParseStep implements Step {
  readonly name = 'parse';
  private readonly parsers: (TimeParser | undefined)[];

  constructor(
    private readonly columns: readonly { position: number; name: string; type: ParseType }[],
    private readonly where: Where,
  ) {
    this.parsers = columns.map((c) =>
      c.type === 'datetime' || c.type === 'date' ? new TimeParser(c.name, where) : undefined,
    );
  }

  run(batch: Batch): void {
    this.columns.forEach(({ position, name, type }, k) => {
      if (batch.lineWidth > position) batch.lines = undefined;
      batch.setSafe(position, true);
      const parser = this.parsers[k];
      if (parser) {
        batch.invalidate(position);
        parser.fill(batch, position, type as 'datetime' | 'date');
        return;
      }
      const numbers = batch.numberColumn(position);
      for (let i = 0; i < batch.size; i++) {
        const row = batch.rows[i] as string[];
        const value = readNumber(row[position] as string);
        if (value === undefined || (type === 'int' && !Number.isNaN(value) && !Number.isInteger(value))) {
          throw new InputError(
            `${name} ${JSON.stringify(row[position])} is not ${type === 'int' ? 'an integer' : 'a number'}`,
            {
              code: 'INVALID_NUMBER',
              location: { ...this.where, row: batch.origin[i] as number, column: name },
            },
          );
        }
        numbers[i] = value;
        row[position] = formatNumber(value);
      }
    });
  }

  metrics(): StepMetrics {
    return {};
  }
}

/** One time part a derive step computes. */
export interface TimeOutput {
  position: number;
  part: TimePartName;
  /** The date-time column it reads. */
  source: number;
}

/**
 * The built-in time parts of a `derive`, one parse per row however many parts (none at all when a
 * `parse` of the column came first in the batch). Every cell is a shared string: nothing is allocated
 * per row but the hour-start text, cached per hour.
 */
export class TimePartsStep implements Step {
  readonly name = 'derive';
  private readonly parsers = new Map<number, TimeParser>();
  private readonly hourStarts = new Map<string, string>();

  constructor(
    private readonly outputs: readonly TimeOutput[],
    names: ReadonlyMap<number, string>,
    where: Where,
  ) {
    for (const { source } of outputs) {
      if (!this.parsers.has(source))
        this.parsers.set(source, new TimeParser(names.get(source) as string, where));
    }
  }

  run(batch: Batch): void {
    for (const { position, part, source } of this.outputs) {
      const times =
        batch.timesOf(source) ?? (this.parsers.get(source) as TimeParser).fill(batch, source, false);
      batch.invalidate(position);
      batch.setSafe(position, true);
      if (batch.lineWidth > position) batch.lines = undefined;
      const numbers = part === 'hour' || part === 'dayOfWeek' ? batch.numberColumn(position) : undefined;
      const values = part === 'isWeekend' ? batch.valueColumn(position) : undefined;
      for (let i = 0; i < batch.size; i++) {
        const row = batch.rows[i] as string[];
        const hour = times.hour[i] as number;
        const weekday = times.weekday[i] as number;
        const nat = hour < 0;
        switch (part) {
          case 'date':
            row[position] = times.date[i] as string;
            break;
          case 'hour':
            row[position] = nat ? '' : (HOUR_TEXT[hour] as string);
            (numbers as Float64Array)[i] = nat ? Number.NaN : hour;
            break;
          case 'dayName':
            row[position] = nat ? '' : (DAY_NAMES[weekday] as string);
            break;
          case 'dayOfWeek':
            row[position] = nat ? '' : (HOUR_TEXT[weekday] as string);
            (numbers as Float64Array)[i] = nat ? Number.NaN : weekday;
            break;
          case 'isWeekend': {
            const weekend = !nat && weekday >= 5;
            row[position] = weekend ? 'true' : 'false';
            (values as boolean[])[i] = weekend;
            break;
          }
          case 'hourStart':
            row[position] = nat
              ? ''
              : this.hourStart(times.date[i] as string, hour, times.offset[i] as string);
            break;
        }
      }
    }
  }

  private hourStart(date: string, hour: number, offset: string): string {
    const key = `${date}|${hour}|${offset}`;
    let text = this.hourStarts.get(key);
    if (text === undefined) {
      text = `${date} ${pad2(hour)}:00:00${offset}`;
      if (this.hourStarts.size > 10_000) this.hourStarts.clear();
      this.hourStarts.set(key, text);
    }
    return text;
  }

  metrics(): StepMetrics {
    return {};
  }
}
