import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CsvTable, type ReadCsvOptions, readCsv } from '../../src/lib/lake/csv.ts';
import { readCsvFast } from '../../src/lib/lake/csv-reader.ts';

type Reader = (input: Readable, options?: ReadCsvOptions) => Promise<CsvTable>;

/** Feeds `text` as UTF-8 bytes cut into `size`-byte chunks (so cuts fall inside characters too). */
function chunked(text: string, size: number): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function read(reader: Reader, text: string, size: number, batchSize = 2) {
  try {
    const table = await reader(chunked(text, size), { batchSize });
    const rows: string[][] = [];
    for await (const batch of table.batches) rows.push(...batch);
    return { header: table.header, rows };
  } catch (error) {
    return { error: (error as { code?: string }).code };
  }
}

const CASES: Record<string, string> = {
  plain: 'a,b,c\n1,2,3\n4,5,6\n',
  'no final newline': 'a,b\n1,2',
  crlf: 'a,b\r\n1,2\r\n3,4\r\n',
  'blank lines': 'a,b\n\n1,2\n\n\n3,4\n\n',
  bom: '\ufeffa,b\n1,2\n',
  'empty fields': 'a,b,c\n,,\n1,,\n,,3\n',
  'trailing delimiter': 'a,b\n1,\n',
  quoted: 'a,b\n"x, y","say ""hi"""\n"",z\n',
  'quoted newlines': 'a,b\n"line 1\nline 2",2\n"cr\r\nlf",3\n',
  unicode: 'name,value\nélan,ǆ\n"日本, 語",😀\n',
  'only header': 'a,b,c\n',
  'wrong width': 'a,b\n1,2\n3\n',
  'too wide': 'a,b\n1,2\n3,4,5\n',
  'unclosed quote': 'a,b\n"1,2\n',
  'text after closing quote': 'a,b\n"1"x,2\n',
  'quote in unquoted field': 'a,b\n1"2,3\n',
  empty: '',
  'blank only': '\n\n',
  'duplicate columns': 'a,a\n1,2\n',
  'empty column name': 'a,,c\n1,2,3\n',
};

describe('readCsvFast', () => {
  it.each(Object.entries(CASES))(
    'reads %s as readCsv (csv-parse) does, at every chunk size',
    async (_, text) => {
      const expected = await read(readCsv, text, 64 * 1024);
      for (const size of [1, 2, 3, 5, 7, 64 * 1024]) {
        expect(await read(readCsvFast, text, size), `chunk size ${size}`).toEqual(expected);
      }
    },
  );

  it('agrees with readCsv on random well- and ill-formed inputs', async () => {
    // Tokens rather than characters, so quotes and line ends are common. One line ending per text:
    // csv-parse takes the first it sees as the only one, where pandas (and readCsvFast) accept all.
    const tokens = ['a', 'bc', ',', ',', '"', '""', 'EOL', 'EOL', 'é', ' ', '日', '😀'];
    let state = 7;
    const next = (n: number) => {
      state = (state * 48271) % 2147483647;
      return state % n;
    };
    for (let i = 0; i < 500; i++) {
      const eol = next(2) === 0 ? '\n' : '\r\n';
      const text = Array.from({ length: 1 + next(40) }, () => tokens[next(tokens.length)])
        .join('')
        .replaceAll('EOL', eol);
      const expected = await read(readCsv, text, 1 << 16);
      const actual = await read(readCsvFast, text, 1 + next(6));
      // Which error comes first is not defined: csv-parse may fail on a later record before it hands
      // out the header. That both fail is.
      if ('error' in expected) expect(actual, JSON.stringify(text)).toHaveProperty('error');
      else expect(actual, JSON.stringify(text)).toEqual(expected);
    }
  });

  it('names the row of a malformed record', async () => {
    const error = await readCsvFast(chunked('a,b\n1,2\n3,4\n5\n', 4))
      .then(async (table) => {
        for await (const _ of table.batches);
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InputError', code: 'MALFORMED_CSV', location: { row: 3 } });
  });

  it('refuses invalid UTF-8', async () => {
    const input = Readable.from([Buffer.from('a,b\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
    const error = await readCsvFast(input)
      .then(async (table) => {
        for await (const _ of table.batches);
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ENCODING' });
  });

  it('refuses a record longer than maxRecordBytes', async () => {
    const text = `a,b\n"${'x'.repeat(5000)},1\n`;
    const error = await readCsvFast(chunked(text, 100), { maxRecordBytes: 1000 })
      .then(async (table) => {
        for await (const _ of table.batches);
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MALFORMED_CSV' });
  });

  it('reads only the columns asked for, the others as empty text', async () => {
    const table = await readCsvFast(chunked('a,b,c\n1,2,3\n"4",5,"6"\n', 3), {
      columns: (header) => [header.indexOf('c')],
    });
    const rows: string[][] = [];
    for await (const batch of table.batches) rows.push(...batch);
    expect(rows).toEqual([
      ['', '', '3'],
      ['4', '', '6'],
    ]);
  });

  it('closes its input when the reader stops early', async () => {
    const input = chunked(`a\n${'1\n'.repeat(10_000)}`, 1000);
    const table = await readCsvFast(input, { batchSize: 10 });
    for await (const _ of table.batches) break;
    expect(input.destroyed).toBe(true);
  });

  it('uses a one-character delimiter and falls back to readCsv for others', async () => {
    const semicolon = await readCsvFast(chunked('a;b\n1;"2;3"\n', 2), { delimiter: ';' });
    const rows: string[][] = [];
    for await (const batch of semicolon.batches) rows.push(...batch);
    expect(rows).toEqual([['1', '2;3']]);
    const multi = await readCsvFast(chunked('a::b\n1::2\n', 2), { delimiter: '::' });
    expect(multi.header).toEqual(['a', 'b']);
  });
});
