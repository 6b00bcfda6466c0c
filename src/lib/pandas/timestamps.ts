/**
 * `pd.to_datetime` on the timestamp column, for ISO-8601 text, by character checks: one parse per
 * row, the fields kept in a reused scratch object. Like pandas, an offset (`Z`, `+02:00`) keeps the
 * wall-clock time (the derived date and hour are local to that offset) and is written back as
 * `+HH:MM`; null text and `NaT` are NaT.
 */

/** What `to_datetime` treats as NaT on top of read_csv's nulls. */
const NAT_TEXT: ReadonlySet<string> = new Set(['NaT', 'nat', 'NAT', 'NAN']);

/** pandas' `day_name()`, indexed by `dayofweek`. */
export const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const HOUR_TEXT = Array.from({ length: 24 }, (_, hour) => String(hour));

/** One parsed timestamp; a single instance is reused for every row. */
export class ParsedTimestamp {
  year = 0;
  month = 0;
  day = 0;
  hour = 0;
  minute = 0;
  second = 0;
  /** Fraction digits as written (up to 9), `''` when none. */
  fraction = '';
  /** Offset in minutes east of UTC, `undefined` for a naive timestamp. */
  offset: number | undefined;
  /** The input was exactly `YYYY-MM-DD HH:MM:SS`, so it can be written back unchanged. */
  canonical = false;
}

/** Text `to_datetime` reads as NaT though `read_csv` kept it (`NaT`). */
export const isNaTText = (text: string): boolean => NAT_TEXT.has(text);

const digit = (text: string, i: number): number => {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1000; // poisons any sum built from it
};
const two = (text: string, i: number): number => digit(text, i) * 10 + digit(text, i + 1);

/**
 * Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.fffffffff]]][ ][Z|±HH[:]MM]` (surrounding spaces allowed) into
 * `into`. Returns false for anything else, or for a date or time that does not exist.
 */
export function parseTimestampInto(raw: string, into: ParsedTimestamp): boolean {
  let text = raw;
  if (text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32) text = text.trim();
  const n = text.length;
  if (n < 10 || text[4] !== '-' || text[7] !== '-') return false;
  const year = two(text, 0) * 100 + two(text, 2);
  into.year = year;
  into.month = two(text, 5);
  into.day = two(text, 8);
  into.hour = 0;
  into.minute = 0;
  into.second = 0;
  into.fraction = '';
  into.offset = undefined;
  into.canonical = false;
  let i = 10;
  if (i < n && (text[i] === ' ' || text[i] === 'T') && i + 5 < n && text[i + 3] === ':') {
    into.hour = two(text, i + 1);
    into.minute = two(text, i + 4);
    i += 6;
    if (text[i] === ':') {
      into.second = two(text, i + 1);
      i += 3;
      if (text[i] === '.') {
        const start = ++i;
        while (i < n && i - start < 9 && digit(text, i) >= 0) i++;
        if (i === start) return false;
        into.fraction = text.slice(start, i);
      }
    }
  }
  into.canonical = i === 19 && n === 19 && text === raw && text[10] === ' ';
  if (i < n && !parseOffset(text, i, into)) return false;
  return isRealDateTime(into);
}

function parseOffset(text: string, start: number, into: ParsedTimestamp): boolean {
  let i = start;
  while (text[i] === ' ') i++;
  const rest = text.length - i;
  if (rest === 1 && text[i] === 'Z') {
    into.offset = 0;
    return true;
  }
  const sign = text[i] === '+' ? 1 : text[i] === '-' ? -1 : 0;
  if (sign === 0 || (rest !== 5 && rest !== 6) || (rest === 6 && text[i + 3] !== ':')) return false;
  const hours = two(text, i + 1);
  const minutes = two(text, i + rest - 2);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return false;
  into.offset = sign * (hours * 60 + minutes);
  return true;
}

function isRealDateTime(t: ParsedTimestamp): boolean {
  if (t.year < 0 || t.month < 1 || t.month > 12 || t.day < 1 || t.day > daysInMonth(t.year, t.month))
    return false;
  if (t.hour < 0 || t.hour > 23 || t.minute < 0 || t.minute > 59 || t.second < 0 || t.second > 59)
    return false;
  return isWithinNanosecondRange(t);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** pandas stores datetime64[ns]: 1677-09-21 00:12:43 .. 2262-04-11 23:47:16 (to the second). */
function isWithinNanosecondRange(t: ParsedTimestamp): boolean {
  if (t.year > 1677 && t.year < 2262) return true;
  const key = ((((t.year * 100 + t.month) * 100 + t.day) * 100 + t.hour) * 100 + t.minute) * 100 + t.second;
  return key >= 16770921001244 && key <= 22620411234716;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** pandas' `dayofweek`: Monday is 0. */
export function dayOfWeek(t: ParsedTimestamp): number {
  const days = daysFromCivil(t.year, t.month, t.day);
  return (((days + 3) % 7) + 7) % 7;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number): string => String(n).padStart(4, '0');

/** `dt.date` as pandas writes it: `YYYY-MM-DD`. */
export function formatDatePart(t: ParsedTimestamp, raw: string): string {
  return t.canonical ? raw.slice(0, 10) : `${pad4(t.year)}-${pad2(t.month)}-${pad2(t.day)}`;
}

/** `dt.hour` as text (a cached string per hour). */
export const hourText = (t: ParsedTimestamp): string => HOUR_TEXT[t.hour] as string;

/**
 * The timestamp as pandas writes a datetime: `YYYY-MM-DD HH:MM:SS`, then the fraction at millisecond,
 * microsecond or nanosecond precision when there is one, then `+HH:MM` for an offset.
 */
export function formatTimestampText(t: ParsedTimestamp, raw: string): string {
  if (t.canonical) return raw;
  let text = `${pad4(t.year)}-${pad2(t.month)}-${pad2(t.day)} ${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}`;
  const fraction = t.fraction.replace(/0+$/, '');
  if (fraction !== '')
    text += `.${fraction.padEnd(fraction.length <= 3 ? 3 : fraction.length <= 6 ? 6 : 9, '0')}`;
  if (t.offset !== undefined) {
    const minutes = Math.abs(t.offset);
    text += `${t.offset < 0 ? '-' : '+'}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
  }
  return text;
}
