import { describe, expect, it } from 'vitest';
import { createRng, Rng, SelectionSampler } from '../../src/lib/sources/random.ts';

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng (xoshiro128**)', () => {
  it('matches the reference algorithm for a known state', () => {
    // Values from an independent implementation of the published algorithm (the first one by hand:
    // rotl(2 * 5, 7) * 9 = 1280 * 9).
    const rng = new Rng([1, 2, 3, 4]);
    expect(draw(rng, 5)).toEqual([11520, 0, 5_927_040, 70_819_200, 2_031_721_883]);
  });

  it('seeds from SHA-256 of the parts, so the stream is the same on every run and machine', () => {
    // Pinned with an independent Python implementation (sha256 of '[42,"transactions","2024-01-15"]',
    // first 16 bytes as 4 little-endian words). A change here changes every generated landing object.
    expect(draw(createRng(42, 'transactions', '2024-01-15'), 3)).toEqual([
      2_706_422_850, 2_948_686_353, 2_317_032_691,
    ]);
  });

  it('gives unrelated streams for different seeds, sources or dates', () => {
    const base = draw(createRng(42, 'transactions', '2024-01-15'), 4);
    expect(draw(createRng(43, 'transactions', '2024-01-15'), 4)).not.toEqual(base);
    expect(draw(createRng(42, 'customers', '2024-01-15'), 4)).not.toEqual(base);
    expect(draw(createRng(42, 'transactions', '2024-01-16'), 4)).not.toEqual(base);
  });

  it('refuses an all-zero state, which xoshiro would never leave', () => {
    expect(() => new Rng([0, 0, 0, 0])).toThrow(RangeError);
  });

  it('draws integers in [min, max) covering the whole range', () => {
    const rng = createRng('integers');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const value = rng.integer(1, 10);
      expect(Number.isInteger(value) && value >= 1 && value < 10).toBe(true);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => rng.integer(5, 5)).toThrow(RangeError);
    expect(() => rng.integer(0, 1.5)).toThrow(RangeError);
  });

  it('draws floats in [0, 1) and uniform values in [min, max)', () => {
    const rng = createRng('floats');
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const u = rng.float();
      expect(u >= 0 && u < 1).toBe(true);
      const price = rng.uniform(10, 500);
      expect(price >= 10 && price < 500).toBe(true);
      sum += u;
    }
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
  });

  it('chooses by weight and draws exponentials with the given mean', () => {
    const rng = createRng('weights');
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20_000; i++) counts[rng.weightedChoice(['a', 'b', 'c'] as const, [0.7, 0.3, 0])] += 1;
    expect(counts.c).toBe(0);
    expect(counts.a / 20_000).toBeCloseTo(0.7, 1);
    let total = 0;
    for (let i = 0; i < 20_000; i++) total += rng.exponential(500);
    expect(total / 20_000).toBeGreaterThan(480);
    expect(total / 20_000).toBeLessThan(520);
    expect(() => rng.weightedChoice(['a'], [0])).toThrow(RangeError);
    expect(() => rng.choice([])).toThrow(RangeError);
  });

  it('samples k distinct sorted indices without replacement', () => {
    const rng = createRng('sample');
    const sample = rng.sampleWithoutReplacement(1000, 20);
    expect(sample).toHaveLength(20);
    expect(new Set(sample).size).toBe(20);
    expect(sample).toEqual([...sample].sort((a, b) => a - b));
    expect(sample.every((i) => i >= 0 && i < 1000)).toBe(true);
    expect(rng.sampleWithoutReplacement(5, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(rng.sampleWithoutReplacement(5, 0)).toEqual([]);
    expect(() => rng.sampleWithoutReplacement(3, 4)).toThrow(RangeError);
  });
});

describe('SelectionSampler (algorithm S)', () => {
  it.each([
    [1000, 20],
    [1000, 0],
    [1000, 1000],
    [7, 3],
    [1, 1],
  ])('selects exactly k of n items (n=%i, k=%i)', (n, k) => {
    const sampler = new SelectionSampler(createRng('selection', n, k), n, k);
    const picked: number[] = [];
    for (let i = 0; i < n; i++) if (sampler.next()) picked.push(i);
    expect(picked).toHaveLength(k);
    expect(() => sampler.next()).toThrow(RangeError);
  });

  it('spreads its picks over the whole range', () => {
    const sampler = new SelectionSampler(createRng('spread'), 100_000, 1000);
    let firstHalf = 0;
    for (let i = 0; i < 100_000; i++) if (sampler.next() && i < 50_000) firstHalf += 1;
    expect(firstHalf).toBeGreaterThan(400);
    expect(firstHalf).toBeLessThan(600);
  });
});
