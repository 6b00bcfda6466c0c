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
});
