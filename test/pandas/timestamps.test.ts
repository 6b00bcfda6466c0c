import { describe, expect, it } from 'vitest';
import {
  DAY_NAMES,
  dayOfWeek,
  daysFromCivil,
  formatDatePart,
  formatTimestampText,
  hourText,
  ParsedTimestamp,
  parseTimestampInto,
} from '../../src/lib/pandas/timestamps.ts';

const parse = (text: string): ParsedTimestamp | undefined => {
  const t = new ParsedTimestamp();
  return parseTimestampInto(text, t) ? t : undefined;
};

describe('parseTimestampInto', () => {
  it('reads the canonical form and keeps it as written', () => {
    const raw = '2024-01-20 09:15:00';
    const t = parse(raw) as ParsedTimestamp;
    expect(t).toMatchObject({
      year: 2024,
      month: 1,
      day: 20,
      hour: 9,
      minute: 15,
      second: 0,
      canonical: true,
    });
    expect(formatTimestampText(t, raw)).toBe(raw);
    expect(formatDatePart(t, raw)).toBe('2024-01-20');
    expect(hourText(t)).toBe('9');
  });

  it.each([
    ['2024-01-21T07:05:09', '2024-01-21 07:05:09'],
    ['2024-01-20', '2024-01-20 00:00:00'],
    ['2024-01-20 10:30', '2024-01-20 10:30:00'],
    [' 2024-01-20 12:34:56 ', '2024-01-20 12:34:56'],
    ['2024-01-20 17:45:30.25', '2024-01-20 17:45:30.250'],
    ['2024-01-20 17:45:30.000', '2024-01-20 17:45:30'],
    ['2024-01-20 17:45:30.1234', '2024-01-20 17:45:30.123400'],
    ['2024-01-20 17:45:30.123456789', '2024-01-20 17:45:30.123456789'],
    ['2024-01-20T10:00:00Z', '2024-01-20 10:00:00+00:00'],
    ['2024-01-20 10:00:00 +0200', '2024-01-20 10:00:00+02:00'],
    ['2024-01-20 10:00:00-05:30', '2024-01-20 10:00:00-05:30'],
  ])('reads %j and writes it as pandas does: %j', (raw, written) => {
    const t = parse(raw) as ParsedTimestamp;
    expect(t).toBeDefined();
    expect(formatTimestampText(t, raw)).toBe(written);
  });

  it('keeps the wall-clock time of an offset timestamp, as pandas does', () => {
    const t = parse('2024-01-20T23:30:00-05:00') as ParsedTimestamp;
    expect(formatDatePart(t, '')).toBe('2024-01-20');
    expect(t.hour).toBe(23);
    expect(t.offset).toBe(-300);
  });

  it.each([
    '2024-02-30 10:00:00',
    '2023-02-29',
    '2024-01-15 24:00:00',
    '2024-01-15 10:60:00',
    '2024-13-01',
    '2024-1-5 10:00:00',
    '01/15/2024',
    '2024-01-15 10',
    'yesterday',
    '2024-01-15 10:00:00+25:00',
    '1600-01-01 00:00:00',
    '2262-04-12 00:00:00',
  ])('refuses %j', (raw) => {
    expect(parse(raw)).toBeUndefined();
  });

  it('accepts the edges of the nanosecond range pandas can hold', () => {
    expect(parse('1677-09-22')).toBeDefined();
    expect(parse('2262-04-11 23:47:16')).toBeDefined();
    expect(parse('2024-02-29')).toBeDefined();
  });
});

describe('dayOfWeek', () => {
  it('counts Monday as 0', () => {
    const days = ['2024-01-15', '2024-01-20', '2024-01-21', '1970-01-01', '2000-02-29', '1900-03-01'];
    expect(days.map((day) => DAY_NAMES[dayOfWeek(parse(day) as ParsedTimestamp)])).toEqual([
      'Monday',
      'Saturday',
      'Sunday',
      'Thursday',
      'Tuesday',
      'Thursday',
    ]);
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(1969, 12, 31)).toBe(-1);
  });
});
