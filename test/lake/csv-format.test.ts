import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, formatCsvLine, formatCsvRows } from '../../src/lib/lake/csv.ts';

/** RFC 4180 the slow way: every field on its own. */
const reference = (row: readonly string[]) => row.map(csvField).join(',');

describe('CSV formatting', () => {
  it('quotes exactly the fields that need it, and reads back as written', () => {
    const parts = ['a', 'bc', ',', '"', '\n', '\r', ' ', 'é', '😀', ''];
    let state = 5;
    const next = (n: number) => {
      state = (state * 48271) % 2147483647;
      return state % n;
    };
    const rows: string[][] = [];
    for (let i = 0; i < 5000; i++) {
      const width = 1 + next(6);
      const row = Array.from({ length: width }, () =>
        Array.from({ length: next(4) }, () => parts[next(next(3) === 0 ? parts.length : 2)]).join(''),
      );
      rows.push(row);
      expect(formatCsvLine(row), JSON.stringify(row)).toBe(reference(row));
      expect(formatCsvLine(row, 1), JSON.stringify(row)).toBe(reference(row.slice(1)));
    }
    // A row of one empty field is an empty line, which readers skip; leave those out of the round trip.
    const readable = rows.filter((row) => row.length > 1 || row[0] !== '');
    expect(parse(formatCsvRows(readable), { relax_column_count: true })).toEqual(readable);
  });
});
