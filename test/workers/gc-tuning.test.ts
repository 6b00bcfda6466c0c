import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { shouldTurnOffParallelScavenge } from '../../src/workers/gc-tuning.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(import.meta.dirname, 'support/young-garbage.ts');

/** Runs the child with `nodeFlags`; counts its young collections and the tasks that did them. */
async function youngCollections(nodeFlags: string[]) {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeFlags, '--import', 'tsx', CHILD], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const lines = stdout.split('\n');
  return {
    tuned: lines.includes('tuned true'),
    finished: lines.some((line) => line.startsWith('done ')),
    collections: lines.filter((line) => line.includes(': Scavenge ')).length,
    tasks: lines.filter((line) => /scavenge\[0x[0-9a-f]+\]/.test(line)).length,
  };
}

describe('worker GC tuning', () => {
  it('turns parallel scavenging off unless node was told either way', () => {
    expect(shouldTurnOffParallelScavenge([])).toBe(true);
    expect(shouldTurnOffParallelScavenge(['--max-old-space-size=1024', '--enable-source-maps'])).toBe(true);
    expect(shouldTurnOffParallelScavenge(['--parallel-scavenge'])).toBe(false);
    expect(shouldTurnOffParallelScavenge(['--no-parallel-scavenge'])).toBe(false);
  });

  it('makes each young collection a single task, and leaves V8 its helpers when --parallel-scavenge is given', async () => {
    const tuned = await youngCollections([]);
    expect(tuned).toMatchObject({ tuned: true, finished: true });
    expect(tuned.collections).toBeGreaterThan(10);
    expect(tuned.tasks).toBe(tuned.collections);

    // The control: the same child with V8's default kept splits some collections over several tasks,
    // so the count above is the flag's doing, not the child's.
    const kept = await youngCollections(['--parallel-scavenge']);
    expect(kept).toMatchObject({ tuned: false, finished: true });
    expect(kept.tasks).toBeGreaterThan(kept.collections);
  });
});
