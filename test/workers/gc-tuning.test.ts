import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shouldTurnOffParallelScavenge } from '../../src/workers/gc-tuning.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(import.meta.dirname, 'support/young-garbage.ts');

let dir: string;
let children = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lakeflow-gc-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the child with `nodeFlags`. Returns whether it tuned, V8's `--parallel-scavenge` flag as the
 * child left it, and (with `garbage`) the milliseconds helper threads spent in each young collection.
 *
 * Nothing here depends on timing. The flag is read back from V8. With it off, V8 gives a young
 * collection one task, which the main thread runs itself, so every collection reports 0.00 for the
 * helpers whatever the load (with it on, whether helpers join in depends on scheduling). Counting
 * trace lines is not deterministic: a collection with nothing to copy runs no task and prints no task
 * line. The child's stdout is a file: on a pipe node makes stdout non-blocking, and V8's own writes
 * then lose what a busy reader has not taken yet.
 */
async function runChild(nodeFlags: string[], garbage = false) {
  children += 1;
  const file = path.join(dir, `child-${children}.out`);
  const out = await open(file, 'w');
  try {
    const child = spawn(
      process.execPath,
      [...nodeFlags, '--import', 'tsx', CHILD, ...(garbage ? ['garbage'] : [])],
      {
        cwd: ROOT,
        stdio: ['ignore', out.fd, 'inherit'],
      },
    );
    const [code] = await once(child, 'exit');
    expect(code, 'the child exit code').toBe(0);
  } finally {
    await out.close();
  }
  const lines = (await readFile(file, 'utf8')).split('\n');
  const entry = lines.findIndex((line) => line.startsWith('  --parallel-scavenge '));
  const flag = /default: (--(?:no-)?parallel-scavenge)$/.exec(lines[entry + 1] ?? '')?.[1];
  const young = lines.filter((line) => line.includes(' gc=s '));
  return {
    tuned: lines.includes('tuned true'),
    flag,
    helperMs: young.map((line) => Number(/ background\.scavenge\.parallel=([\d.]+) /.exec(line)?.[1])),
  };
}

describe('worker GC tuning', () => {
  it('turns parallel scavenging off unless node was told either way', () => {
    expect(shouldTurnOffParallelScavenge([])).toBe(true);
    expect(shouldTurnOffParallelScavenge(['--max-old-space-size=1024', '--enable-source-maps'])).toBe(true);
    expect(shouldTurnOffParallelScavenge(['--parallel-scavenge'])).toBe(false);
    expect(shouldTurnOffParallelScavenge(['--no-parallel-scavenge'])).toBe(false);
  });

  it('leaves V8 with parallel scavenging off, so no young collection uses a helper thread', async () => {
    const tuned = await runChild([], true);
    expect(tuned).toMatchObject({ tuned: true, flag: '--no-parallel-scavenge' });
    expect(tuned.helperMs.length).toBeGreaterThan(0);
    expect(tuned.helperMs).toEqual(tuned.helperMs.map(() => 0));
  });

  it("keeps node's command-line choice either way", async () => {
    // The control: read the same way, the flag is on when node was told so; the read above shows
    // the tuning's doing, not a constant.
    expect(await runChild(['--parallel-scavenge'])).toMatchObject({
      tuned: false,
      flag: '--parallel-scavenge',
    });
    expect(await runChild(['--no-parallel-scavenge'])).toMatchObject({
      tuned: false,
      flag: '--no-parallel-scavenge',
    });
  });
});
