import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, formatCsvLine, formatCsvRows } from '../../src/lib/lake/csv.ts';
import { readCsv } from '../../src/lib/lake/csv-reader.ts';

/** RFC 4180 the slow way: every field on its own. */
const reference = (row: readonly string[]) => row.map(csvField).join(',');

/** Deterministic pseudo-random picks below `n`. */
function picker(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 48271) % 2147483647;
    return state % n;
  };
}
const PARTS = ['a', 'bc', ',', '"', '\n', '\r', ' ', 'é', '😀', ''];

describe('CSV formatting', () => {
  it('quotes exactly the fields that need it, and reads back as written', () => {
    const parts = PARTS;
    const next = picker(5);
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

  it('writes what readCsv reads back, in any chunks', async () => {
    const next = picker(9);
    const header = ['a', 'b', 'c'];
    const rows = Array.from({ length: 2000 }, () =>
      header.map(() => Array.from({ length: next(4) }, () => PARTS[next(PARTS.length)]).join('')),
    );
    const bytes = Buffer.from(formatCsvRows([header, ...rows]), 'utf8');
    const chunks: Buffer[] = [];
    // Cuts at random, inside quoted fields, line ends and characters too.
    for (let from = 0, to = 0; from < bytes.length; from = to) {
      to = from + 1 + next(300);
      chunks.push(bytes.subarray(from, to));
    }
    const table = await readCsv(Readable.from(chunks));
    const read: string[][] = [];
    for await (const batch of table.batches) read.push(...batch);
    expect(table.header).toEqual(header);
    expect(read).toEqual(rows);
  });
});
