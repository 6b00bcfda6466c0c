import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataLake } from '../../src/lib/lake/data-lake.ts';
import { LocalStorage } from '../../src/lib/lake/local-storage.ts';

/** A lake in a fresh temporary directory; `dir` is its root. */
export interface TempLake {
  lake: DataLake;
  dir: string;
  /** Closes the storage and deletes the directory. */
  cleanup: () => Promise<void>;
}

/** Creates a {@link TempLake}; the caller calls `cleanup` (for example in `afterEach`). */
export async function createTempLake(): Promise<TempLake> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-test-'));
  const lake = new DataLake(new LocalStorage(dir));
  return {
    lake,
    dir,
    cleanup: async () => {
      await lake.storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` with a {@link TempLake} and cleans it up afterwards, whether `fn` succeeds or fails. */
export async function withTempLake<T>(fn: (temp: TempLake) => Promise<T>): Promise<T> {
  const temp = await createTempLake();
  try {
    return await fn(temp);
  } finally {
    await temp.cleanup();
  }
}
