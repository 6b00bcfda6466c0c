import { describe, expect, it } from 'vitest';
import { TextSet } from '../../src/lib/transform/text-set.ts';

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
});
