import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/lib/lake/csv-reader.ts';
import { csvParseReference } from '../helpers/csv-parse-reference.ts';
import { customersCsv, transactionsCsv } from '../helpers/messy-csv.ts';

/** UTF-8 bytes of `text` in chunks of `sizes` (cycling), so cuts fall inside records and characters. */
function chunked(text: string, sizes: readonly number[]): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let from = 0, i = 0; from < bytes.length; i++) {
    const to = Math.min(bytes.length, from + (sizes[i % sizes.length] as number));
    chunks.push(bytes.subarray(from, to));
    from = to;
  }
  return Readable.from(chunks);
}

async function readAll(table: Awaited<ReturnType<typeof readCsv>>) {
  const rows: string[][] = [];
  const sizes: number[] = [];
  for await (const batch of table.batches) {
    rows.push(...batch);
    sizes.push(batch.length);
  }
  return { header: table.header, rows, sizes };
}

const ODD_SIZES = [65_537, 1, 4093, 2, 997, 3, 131_071, 7];

describe('readCsv on inputs larger than a chunk', () => {
  // A BOM, CRLF, quoted fields with commas, line breaks, doubled quotes and multi-byte characters.
  const transactions = transactionsCsv(6000, '2024-03-10');
  const customers = customersCsv();

  it.each([
    ['transactions', transactions],
    ['customers', customers],
  ])('reads %s as csv-parse does, whatever the chunks and batches', async (_, text) => {
    const reference = csvParseReference(text);
    if ('error' in reference) throw new Error(`csv-parse refused the input: ${reference.error}`);
    expect(reference.rows.length).toBeGreaterThan(400);
    for (const batchSize of [1, 512, Number.MAX_SAFE_INTEGER]) {
      const table = await readAll(await readCsv(chunked(text, ODD_SIZES), { batchSize }));
      expect(table.header).toEqual(reference.header);
      expect(table.rows).toEqual(reference.rows);
      expect(Math.max(...table.sizes)).toBeLessThanOrEqual(batchSize);
    }
  });

  it('reads the kept columns as a full read does', async () => {
    const full = await readAll(await readCsv(chunked(transactions, ODD_SIZES)));
    const keep = new Set(['transaction_id', 'region', 'total_amount']);
    const partial = await readAll(
      await readCsv(chunked(transactions, [...ODD_SIZES].reverse()), {
        columns: (header) => header.flatMap((name, i) => (keep.has(name) ? [i] : [])),
      }),
    );
    const kept = full.header.flatMap((name, i) => (keep.has(name) ? [i] : []));
    const pick = (row: string[]) => kept.map((i) => row[i]);
    expect(partial.rows.map(pick)).toEqual(full.rows.map(pick));
    // Other columns read as '' (a quoted one may keep its text: it is unquoted anyway).
    partial.rows.forEach((row, r) => {
      row.forEach((value, i) => {
        if (!keep.has(partial.header[i] as string) && value !== '') expect(value).toBe(full.rows[r]?.[i]);
      });
    });
    expect(partial.rows.some((row) => row[0] !== '' && row[1] === '')).toBe(true);
  });

  it('reads files of CRLF, LF and lone-CR line ends as csv-parse reads each', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `${i},"q ${i}, x",${'é'.repeat(i % 5)}`);
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = `a,b,c${eol}${lines.join(eol)}${eol}`;
      const table = await readAll(await readCsv(chunked(text, ODD_SIZES)));
      expect({ header: table.header, rows: table.rows }, JSON.stringify(eol)).toEqual(
        csvParseReference(text),
      );
    }
  });
});
