import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, type PipelineError, StorageError } from '../../src/lib/errors.ts';
import type { CsvTable } from '../../src/lib/lake/csv.ts';
import { type FileInputSpec, openInput, resolveFormat } from '../../src/lib/sources/file-reader.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';

let temp: TempLake;
let inputs: string;
beforeEach(async () => {
  temp = await createTempLake();
  inputs = path.join(temp.dir, 'inputs');
  await mkdir(inputs);
});
afterEach(() => temp.cleanup());

/** Writes an input file and returns its `file` spec. */
async function file(name: string, content: string | Uint8Array): Promise<FileInputSpec> {
  const full = path.join(inputs, name);
  await writeFile(full, content);
  return { kind: 'file', path: full };
}

const open = (spec: FileInputSpec, batchSize?: number) =>
  openInput(spec, { lake: temp.lake, source: 'transactions', batchSize });

async function readAll(table: CsvTable): Promise<{ header: string[]; rows: string[][] }> {
  const rows: string[][] = [];
  for await (const batch of table.batches) rows.push(...batch);
  return { header: table.header, rows };
}

/** Opens and reads the input to the end, expecting an error; returns it. */
async function failure(spec: FileInputSpec): Promise<PipelineError> {
  const error = await open(spec)
    .then(readAll)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(Error);
  expect((error as PipelineError).retryable).toBe(false);
  return error as PipelineError;
}

describe('openInput: CSV', () => {
  it('reads a BOM, CRLF line ends and quoted fields holding commas, quotes and newlines', async () => {
    const spec = await file(
      'export.csv',
      '\uFEFFid,note,amount\r\n1,"a, b",2.5\r\n2,"line one\r\nline two",3\r\n3,"say ""hi""",\r\n',
    );
    expect(await readAll(await open(spec))).toEqual({
      header: ['id', 'note', 'amount'],
      rows: [
        ['1', 'a, b', '2.5'],
        ['2', 'line one\r\nline two', '3'],
        ['3', 'say "hi"', ''],
      ],
    });
  });

  it('reads a lake object by key, in batches of the asked size', async () => {
    await temp.lake.storage.put('drop/in.csv', 'a,b\n1,2\n3,4\n5,6\n');
    const table = await open({ kind: 'lake', key: 'drop/in.csv' }, 2);
    const sizes: number[] = [];
    for await (const batch of table.batches) sizes.push(batch.length);
    expect(table.header).toEqual(['a', 'b']);
    expect(sizes).toEqual([2, 1]);
  });

  it('refuses bytes that are not UTF-8, naming the file', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('id,name\n1,'),
      Buffer.from([0x4d, 0xfc, 0x6c, 0x6c]),
      Buffer.from('\n'),
    ]);
    const spec = await file('latin1.csv', latin1);
    const error = await failure(spec);
    expect(error).toBeInstanceOf(InputError);
    expect(error.code).toBe('INVALID_ENCODING');
    expect(error.message).toContain(spec.kind === 'file' ? spec.path : '');
  });

  it('refuses an empty file', async () => {
    expect((await failure(await file('empty.csv', ''))).code).toBe('EMPTY_FILE');
  });
});

describe('openInput: JSON', () => {
  it('reads an array of objects: columns by first appearance, values as text', async () => {
    const spec = await file(
      'export.json',
      '\uFEFF[{"id": 1, "ok": true, "note": "a, ]\\"}"},\n {"id": 2.5, "extra": null, "ok": false},\n {"note": "x"}]\n',
    );
    expect(await readAll(await open(spec))).toEqual({
      header: ['id', 'ok', 'note', 'extra'],
      rows: [
        ['1', 'true', 'a, ]"}', ''],
        ['2.5', 'false', '', ''],
        ['', '', 'x', ''],
      ],
    });
  });

  it('streams a large array across many chunks', async () => {
    const objects = Array.from({ length: 20_000 }, (_, i) => ({ i, text: `[{"${i}"}],` }));
    const spec = await file('big.json', JSON.stringify(objects));
    const { header, rows } = await readAll(await open(spec));
    expect(header).toEqual(['i', 'text']);
    expect(rows).toHaveLength(20_000);
    expect(rows[19_999]).toEqual(['19999', '[{"19999"}],']);
  });

  it.each([
    ['{"id": 1}', 'expected a JSON array of objects, got an object'],
    ['"text"', 'expected a JSON array of objects, got a string'],
    ['42', 'expected a JSON array of objects, got a number'],
    ['[1, 2]', 'element 1 is a number, expected an object'],
    ['[{"a": 1}, [2]]', 'element 2 is an array, expected an object'],
    ['[{"a": 1},]', 'a trailing comma before ] after element 1'],
    ['[{"a": 1}] x', 'unexpected "x" after the closing ]'],
    ['[{"a": 1}, {"a": ', 'the JSON array is not closed'],
    ['[{"a": 1}, {"a" 2}]', 'element 2 is not valid JSON'],
  ])('refuses %j with MALFORMED_JSON saying what it got', async (content, message) => {
    const error = await failure(await file('bad.json', content));
    expect(error).toBeInstanceOf(InputError);
    expect(error.code).toBe('MALFORMED_JSON');
    expect(error.message).toContain(message);
  });

  it('refuses a nested value, naming row and column', async () => {
    const error = await failure(
      await file('nested.json', '[{"id": 1, "tags": null}, {"id": 2, "tags": ["a"]}]'),
    );
    expect(error.code).toBe('UNSUPPORTED_VALUE');
    expect(error.location).toMatchObject({ row: 2, column: 'tags' });
  });

  it('refuses an empty array: no columns', async () => {
    expect((await failure(await file('none.json', '[]'))).code).toBe('EMPTY_FILE');
    expect((await failure(await file('blank.json', ' \n'))).code).toBe('EMPTY_FILE');
  });
});

describe('openInput: NDJSON', () => {
  it('reads one object per line, skipping blank lines, with CRLF or LF ends', async () => {
    const spec = await file('events.ndjson', '{"a": 1}\r\n\r\n{"b": "x", "a": null}\n{"a": 3}');
    expect(await readAll(await open(spec))).toEqual({
      header: ['a', 'b'],
      rows: [
        ['1', ''],
        ['', 'x'],
        ['3', ''],
      ],
    });
  });

  it('names the line of a bad record', async () => {
    const spec = await file('events.jsonl', '{"a": 1}\n\n{"a": 2\n{"a": 3}\n');
    const error = await failure(spec);
    expect(error.code).toBe('MALFORMED_JSON');
    expect(error.message).toMatch(/^line 3 is not valid JSON/);
    expect(error.location).toMatchObject({ row: 2 });

    const notObject = await failure(await file('arrays.ndjson', '{"a": 1}\n[1]\n'));
    expect(notObject.message).toMatch(/^line 2 is an array, expected an object/);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const spec = await file(
      'bad.ndjson',
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    );
    expect((await failure(spec)).code).toBe('INVALID_ENCODING');
  });
});

describe('openInput: finding the input', () => {
  it('refuses a missing local file with NOT_FOUND naming the path, not retryable', async () => {
    const missing = path.join(inputs, 'nope.csv');
    const error = await failure({ kind: 'file', path: missing });
    expect(error).toBeInstanceOf(InputError);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe(`input file not found: ${missing}`);
  });

  it('refuses a missing lake object with a non-retryable StorageError NOT_FOUND', async () => {
    const error = await failure({ kind: 'lake', key: 'drop/nope.csv' });
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('drop/nope.csv');
  });

  it('refuses a directory', async () => {
    expect((await failure({ kind: 'file', path: inputs, format: 'csv' })).code).toBe('NOT_A_FILE');
  });

  it('takes the format from `format`, else from the extension', async () => {
    expect(resolveFormat({ kind: 'file', path: '/x/a.CSV' })).toBe('csv');
    expect(resolveFormat({ kind: 'file', path: '/x/a.jsonl' })).toBe('ndjson');
    expect(resolveFormat({ kind: 'lake', key: 'a/b.ndjson' })).toBe('ndjson');
    expect(resolveFormat({ kind: 'file', path: '/x/a.txt', format: 'json' })).toBe('json');
    expect(() => resolveFormat({ kind: 'file', path: '/x/a.txt' })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_FORMAT', message: expect.stringContaining('/x/a.txt') }),
    );
    const spec = await file('export.data', '[{"a": "1"}]');
    expect((await readAll(await open({ ...spec, format: 'json' }))).rows).toEqual([['1']]);
  });
});
