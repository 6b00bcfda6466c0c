import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/lib/lake/data-lake.ts';
import { STAGING_PREFIX } from '../../src/lib/lake/keys.ts';
import { createTempLake, type TempLake } from '../helpers/temp-lake.ts';
import { ROOT } from './support/harness.ts';

/**
 * Fault 6: a process killed (SIGKILL) while writing an object leaves the old object or the new one,
 * never a torn one. The writer is a real process using the real LocalStorage; the test reads the lake
 * afterwards as any other process would.
 */

const WRITER = path.join(import.meta.dirname, 'support/crashing-writer.ts');
const KEY = 'sales_etl/datasets/enriched/date=2024-06-01/enriched.csv';
const MIB8 = 8 * 1024 * 1024;

let temp: TempLake;
let writer: ChildProcess | undefined;
beforeEach(async () => {
  temp = await createTempLake();
});
afterEach(async () => {
  if (writer && writer.exitCode === null && writer.signalCode === null) writer.kill('SIGKILL');
  await temp.cleanup();
});

/** Starts the writer process; `line(text)` resolves when it prints that line. */
function startWriter(mode: string, fill: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, temp.dir, KEY, mode, fill], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  writer = child;
  const exited = once(child, 'exit');
  const seen: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    seen.push(text);
    for (const waiter of waiters.filter((w) => w.text === text)) waiter.resolve();
  });
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (seen.includes(text)) return resolve();
      waiters.push({ text, resolve });
      void exited.then(() => reject(new Error(`writer exited before printing ${JSON.stringify(text)}`)));
    });
  const kill = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  return { line, kill, seen };
}

/** The staging area's files and their sizes: what killed writes left behind. */
async function stagedSizes(): Promise<number[]> {
  const dir = path.join(temp.dir, STAGING_PREFIX);
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(names.map(async (name) => (await stat(path.join(dir, name))).size));
}

describe('a crash while writing an object', () => {
  it('mid putStream leaves the old object, byte for byte; the torn staging file is never listed', async () => {
    const old = Buffer.from('transaction_id,total\nT1,10\n');
    await temp.lake.storage.put(KEY, old);
    const crashing = startWriter('stall', 'x');
    await crashing.line('half');
    await crashing.kill();

    expect(sha256(await temp.lake.storage.get(KEY))).toBe(sha256(old));
    expect(await temp.lake.storage.list('')).toEqual([KEY]);
    const [torn] = await stagedSizes();
    expect(torn).toBeGreaterThan(0); // half an object was on disk …
    expect(torn).toBeLessThan(MIB8); // … and no reader saw it
    await expect(temp.lake.storage.get(`${STAGING_PREFIX}/anything`)).rejects.toMatchObject({
      code: 'INVALID_KEY',
    });
  });

  it('mid CSV write (as ingestion and transform write) leaves no object where there was none', async () => {
    const crashing = startWriter('csv-stall', 'y');
    await crashing.line('half');
    await crashing.kill();
    expect(await temp.lake.storage.exists(KEY)).toBe(false);
    expect(await temp.lake.storage.list('')).toEqual([]);
    expect((await stagedSizes()).length).toBe(1);
  });

  it('at any moment of back-to-back rewrites leaves one complete version, old or new', async () => {
    const versions = new Set(['a', 'b'].map((char) => sha256(Buffer.alloc(MIB8, char))));
    // Kill during the third write: the object is then the second write's, or the third's had it just
    // been put in place; either way one whole version.
    const crashing = startWriter('loop', 'a');
    await crashing.line('put 3 start');
    await crashing.kill();
    expect(crashing.seen).toContain('put 2 done');
    const after = await temp.lake.storage.get(KEY);
    expect(after.length).toBe(MIB8);
    expect(versions.has(sha256(after))).toBe(true);
    expect(await temp.lake.storage.list('')).toEqual([KEY]);
  });
});
