import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';
import { describeStorageContract } from './storage-contract.ts';

let root: string;
let count = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'lakeflow-local-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// Each test gets its own directory, so listings see only that test's objects.
describeStorageContract('LocalStorage', () => new LocalStorage(path.join(root, `lake-${++count}`)));

describe('LocalStorage specifics', () => {
  it('leaves no staging files behind after a failed stream write', async () => {
    const dir = path.join(root, 'staging-check');
    const storage = new LocalStorage(dir);
    async function* failing() {
      yield 'partial';
      throw new Error('boom');
    }
    await expect(storage.putStream('a/b.csv', failing())).rejects.toThrow(/boom/);
    expect(await readdir(path.join(dir, '.staging'))).toEqual([]);
  });

  it('writes on after its directories were removed behind its back', async () => {
    const dir = path.join(root, 'removed-dirs');
    const storage = new LocalStorage(dir);
    await storage.put('runs/a.json', '1');
    await storage.putStream(
      'landing/x/b.csv',
      (async function* () {
        yield 'h\n1\n';
      })(),
    );

    // A target directory removed: the rename finds it missing and makes it again.
    await rm(path.join(dir, 'landing'), { recursive: true });
    await storage.put('landing/x/b.csv', 'h\n2\n');
    expect((await storage.get('landing/x/b.csv')).toString()).toBe('h\n2\n');

    // The staging directory removed: that write fails as a retryable I/O error (not "not found")…
    await rm(path.join(dir, '.staging'), { recursive: true });
    const failure = await storage.put('runs/a.json', '2').catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'StorageError', code: 'STORAGE_IO', retryable: true });
    expect((await storage.get('runs/a.json')).toString()).toBe('1');
    // …and its retry makes the directory again.
    await storage.put('runs/a.json', '2');
    expect((await storage.get('runs/a.json')).toString()).toBe('2');
  });
});
