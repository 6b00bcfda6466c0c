import { describe, expect, it } from 'vitest';
import { converterFor, inferType } from '../../src/lib/lake/parquet-values.ts';

describe('Parquet cell conversion', () => {
  it('reads canonical date-times and dates by their characters, exactly as parseTimestamp would', () => {
    const micros = converterFor('datetime');
    const days = converterFor('date');
    expect(micros('2024-01-20 10:15:30')).toBe(BigInt(Date.UTC(2024, 0, 20, 10, 15, 30)) * 1000n);
    expect(micros('2024-01-20T10:15:30')).toBe(BigInt(Date.UTC(2024, 0, 20, 10, 15, 30)) * 1000n);
    expect(micros('2024-01-20')).toBe(BigInt(Date.UTC(2024, 0, 20)) * 1000n);
    // Past 2^53 µs (the year 2255) the product is taken as a bigint, exactly.
    expect(micros('9999-12-31 23:59:59')).toBe(BigInt(Date.UTC(9999, 11, 31, 23, 59, 59)) * 1000n);
    expect(micros('1969-12-31 23:59:59')).toBe(-1_000_000n);
    expect(micros('2024-01-20 10:15:30.123456')).toBe(
      BigInt(Date.UTC(2024, 0, 20, 10, 15, 30, 123)) * 1000n + 456n,
    );
    expect(micros('2024-01-20 12:00:00+02:00')).toBe(BigInt(Date.UTC(2024, 0, 20, 10)) * 1000n);
    expect(() => micros('2024-02-30')).toThrow(/not a date-time/);
    expect(() => micros('2024-02-30 00:00:00')).toThrow(/not a date-time/);
    expect(micros('')).toBeNull();
    expect(days('2024-02-29')).toBe(19_782);
    expect(() => days('2023-02-29')).toThrow(/not a date-time/);
    expect(() => days('2024-01-20 10:00:00')).toThrow(/time of day/);
  });

  it('types a function’s column from its values: numbers, booleans, else text', () => {
    expect(inferType([1, Number.NaN, null, Number.POSITIVE_INFINITY])).toBe('float');
    expect(inferType([true, null, false])).toBe('bool');
    // A function's strings stay text, even those a number would read back otherwise ('001' as 1).
    expect(inferType([1, '001'])).toBe('string');
    expect(inferType(['2.5', 'true'])).toBe('string');
    expect(inferType([true, 1])).toBe('string');
    expect(inferType([null, null])).toBe('string');
    expect(inferType([])).toBe('string');
  });
});
