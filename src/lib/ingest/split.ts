import { InputError } from '../errors.ts';
import type { CsvTable } from '../lake/csv.ts';
import type { CsvObjectWriter, DataLake, ObjectRef } from '../lake/data-lake.ts';
import { assertValidKey } from '../lake/keys.ts';
import { isNull } from '../pandas/pandas-text.ts';
import { formatDatePart, ParsedTimestamp, parseTimestampInto } from '../pandas/timestamps.ts';

/** A backfill covers at most a year: more dates in one export is more likely a wrong column. */
const MAX_DATES = 366;

/** What {@link splitByDate} needs. */
export interface SplitOptions {
  lake: DataLake;
  /** The export's rows, streamed. */
  table: CsvTable;
  /** The event-time column whose date picks each row's object. */
  column: string;
  /** The lake key of a date's object. */
  keyOf: (date: string) => string;
  /** Named in errors: the file read. */
  source?: string;
  signal?: AbortSignal;
}

/**
 * Splits a multi-day export by the date of its event-time column into one CSV object per date, in
 * one pass with a writer per date (rows keep their order and text). Nothing is put in place unless
 * every row has a date: on any error every object is dropped.
 * @returns the objects written, by date, in date order
 * @throws InputError `MISSING_COLUMN`, `INVALID_TIMESTAMP` (a null or unparseable event time, naming
 * the row), `TOO_MANY_DATES`
 */
export async function splitByDate(options: SplitOptions): Promise<Map<string, ObjectRef>> {
  const { lake, table, column, keyOf, signal } = options;
  const location = { ...(options.source ? { key: options.source } : {}), column };
  const at = table.header.indexOf(column);
  if (at < 0)
    throw new InputError(`the export has no column ${column}`, { code: 'MISSING_COLUMN', location });
  const writers = new Map<string, CsvObjectWriter>();
  const parsed = new ParsedTimestamp();
  let row = 0;
  try {
    for await (const batch of table.batches) {
      signal?.throwIfAborted();
      const byDate = new Map<string, string[][]>();
      for (const fields of batch) {
        row++;
        const raw = fields[at] as string;
        if (isNull(raw) || !parseTimestampInto(raw, parsed)) {
          throw new InputError(
            `${column} ${JSON.stringify(raw)} is not a date-time: the row has no date to go to`,
            {
              code: 'INVALID_TIMESTAMP',
              location: { ...location, row },
            },
          );
        }
        const date = formatDatePart(parsed, raw);
        const rows = byDate.get(date);
        if (rows) rows.push(fields);
        else byDate.set(date, [fields]);
      }
      await Promise.all(
        [...byDate].map(([date, rows]) => {
          let writer = writers.get(date);
          if (!writer) {
            if (writers.size >= MAX_DATES) {
              throw new InputError(`the export spans more than ${MAX_DATES} dates`, {
                code: 'TOO_MANY_DATES',
                location,
              });
            }
            writer = lake.openCsvWriter(assertValidKey(keyOf(date)), table.header, signal);
            writers.set(date, writer);
          }
          return writer.write(rows);
        }),
      );
    }
    const dates = [...writers.keys()].sort();
    const refs = await Promise.all(dates.map((date) => (writers.get(date) as CsvObjectWriter).finish()));
    return new Map(dates.map((date, i) => [date, refs[i] as ObjectRef]));
  } catch (error) {
    await Promise.all([...writers.values()].map((writer) => writer.abort(error)));
    throw error;
  }
}
