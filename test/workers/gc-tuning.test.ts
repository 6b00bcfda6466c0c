import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { shouldTurnOffParallelScavenge, tuneGarbageCollector } from '../../src/workers/gc-tuning.ts';

/**
 * What the worker does with V8's flags, asserted on the call it makes, not on V8's trace output (a
 * count of trace lines depends on the machine's load: it once read 44 for 45 while the suite ran).
 */

afterEach(() => {
  vi.restoreAllMocks();
});

describe('worker GC tuning', () => {
  it('turns parallel scavenging off unless node was told either way', () => {
    expect(shouldTurnOffParallelScavenge([])).toBe(true);
    expect(shouldTurnOffParallelScavenge(['--max-old-space-size=1024', '--enable-source-maps'])).toBe(true);
    expect(shouldTurnOffParallelScavenge(['--parallel-scavenge'])).toBe(false);
    expect(shouldTurnOffParallelScavenge(['--no-parallel-scavenge'])).toBe(false);
  });

  it('sets --no-parallel-scavenge at start-up, and leaves V8 alone when node was told either way', () => {
    const setFlags = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => undefined);
    expect(tuneGarbageCollector(['--max-old-space-size=1024'])).toBe(true);
    expect(setFlags.mock.calls).toEqual([['--no-parallel-scavenge']]);
    setFlags.mockClear();
    expect(tuneGarbageCollector(['--parallel-scavenge'])).toBe(false);
    expect(tuneGarbageCollector(['--no-parallel-scavenge'])).toBe(false);
    expect(setFlags).not.toHaveBeenCalled();
  });
});
