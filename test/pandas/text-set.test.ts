import { describe, expect, it } from 'vitest';
import { TextSet } from '../../src/lib/pandas/text-set.ts';

describe('TextSet', () => {
  it('answers as a Set<string> does, through growth and for any text', () => {
    const alphabet = ['a', 'b', 'Z', '0', ',', ' ', 'é', 'ÿ', '日', '😀', '\u0000'];
    let state = 3;
    const next = (n: number) => {
      state = (state * 48271) % 2147483647;
      return state % n;
    };
    const reference = new Set<string>();
    const set = new TextSet();
    for (let i = 0; i < 60_000; i++) {
      // Short random texts repeat often; the later Latin-1-only stretch checks the one-byte arena.
      const length = next(6);
      let text = '';
      for (let c = 0; c < length; c++) text += alphabet[next(i < 20_000 ? 8 : alphabet.length)];
      expect(set.add(text)).toBe(!reference.has(text));
      reference.add(text);
      if (i % 997 === 0) expect(set.has(`${text}x`)).toBe(reference.has(`${text}x`));
    }
    expect(set.size).toBe(reference.size);
    for (const text of reference) expect(set.has(text)).toBe(true);
  });

  it('keeps ids of a 100k-row date apart', () => {
    const set = new TextSet();
    for (let i = 0; i < 100_000; i++) expect(set.add(`TXN20240101${String(i).padStart(6, '0')}`)).toBe(true);
    for (let i = 0; i < 100_000; i += 7)
      expect(set.add(`TXN20240101${String(i).padStart(6, '0')}`)).toBe(false);
    expect(set.size).toBe(100_000);
    expect(set.has('')).toBe(false);
    expect(set.add('')).toBe(true);
    expect(set.has('')).toBe(true);
  });

  it('starts empty on the arrays of a released set, and refuses use after release', () => {
    const first = new TextSet();
    for (let i = 0; i < 5_000; i++) first.add(`ID${i}`);
    first.release();
    first.release(); // twice is harmless
    expect(() => first.add('ID1')).toThrow(/after release/);
    expect(() => first.has('ID1')).toThrow(/after release/);
    expect(() => first.size).toThrow(/after release/);

    // The next sets reuse those arrays (or fresh ones): none of the released texts is in them.
    const sets = [new TextSet(), new TextSet()];
    for (const set of sets) {
      expect(set.size).toBe(0);
      for (let i = 0; i < 5_000; i += 3) expect(set.has(`ID${i}`)).toBe(false);
      for (let i = 0; i < 2_000; i++) expect(set.add(`ID${i * 2}`)).toBe(true);
      expect(set.add('ID0')).toBe(false);
      expect(set.has('ID1')).toBe(false);
      expect(set.size).toBe(2_000);
    }
  });

  it('does not hand on arrays that hold two-byte text', () => {
    const wide = new TextSet();
    wide.add('日本');
    wide.release();
    const next = new TextSet();
    expect(next.has('日本')).toBe(false);
    expect(next.add('日本')).toBe(true);
    expect(next.add('abc')).toBe(true);
    expect(next.has('abc')).toBe(true);
  });
});
