import { createHash } from 'node:crypto';

/**
 * A small seeded PRNG for the data generator: xoshiro128** (Blackman & Vigna), 32-bit integer
 * arithmetic only, so the same seed gives the same stream on every machine and Node version.
 * Not for cryptography.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Starts from four 32-bit state words; they must not all be zero. */
  constructor(state: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((word) => word >>> 0) as [
      number,
      number,
      number,
      number,
    ];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      throw new RangeError('xoshiro128** state must not be all zero');
    }
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 53 random bits (every double in the range is equally likely). */
  float(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67_108_864 + low) / 9_007_199_254_740_992;
  }

  /** An integer in [min, maxExclusive), unbiased (rejection sampling). The range may span at most 2^32. */
  integer(min: number, maxExclusive: number): number {
    const range = maxExclusive - min;
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(maxExclusive) || range <= 0 || range > 2 ** 32) {
      throw new RangeError(`integer(${min}, ${maxExclusive}): need integers with 0 < max - min <= 2^32`);
    }
    // Largest multiple of `range` that fits in 2^32: values at or above it would favour small results.
    const limit = 2 ** 32 - (2 ** 32 % range);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return min + (x % range);
    }
  }

  /** A float in [min, max), like numpy's `uniform(low, high)`. */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** One element, each equally likely. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('choice() of an empty array');
    return items[this.integer(0, items.length)] as T;
  }

  /** One element, chosen with probability proportional to its weight (weights need not sum to 1). */
  weightedChoice<T>(items: readonly T[], weights: readonly number[]): T {
    if (items.length === 0 || items.length !== weights.length) {
      throw new RangeError('weightedChoice() needs as many weights as items, at least one');
    }
    let total = 0;
    for (const weight of weights) {
      if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`bad weight ${weight}`);
      total += weight;
    }
    if (total === 0) throw new RangeError('weightedChoice() weights sum to 0');
    let r = this.float() * total;
    let last = 0;
    for (let i = 0; i < items.length; i++) {
      const weight = weights[i] as number;
      if (weight === 0) continue;
      if (r < weight) return items[i] as T;
      r -= weight;
      last = i;
    }
    // Only reachable through float rounding at the very top of the range.
    return items[last] as T;
  }

  /** An exponentially distributed value with the given mean (numpy's `exponential(scale)`). */
  exponential(mean: number): number {
    // float() < 1, so log1p(-u) is finite.
    return -mean * Math.log1p(-this.float());
  }

  /**
   * `k` distinct integers from [0, n), sorted ascending (Floyd's algorithm: O(k) time and memory,
   * whatever `n` is).
   */
  sampleWithoutReplacement(n: number, k: number): number[] {
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(k) || k < 0 || k > n) {
      throw new RangeError(`sampleWithoutReplacement(${n}, ${k}): need integers 0 <= k <= n`);
    }
    const chosen = new Set<number>();
    for (let j = n - k; j < n; j++) {
      const t = this.integer(0, j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    return [...chosen].sort((a, b) => a - b);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A generator seeded from any parts (for example seed, source, date): the parts are hashed with
 * SHA-256 into the 128-bit state, so nearby seeds or dates give unrelated streams.
 */
export function createRng(...parts: readonly (string | number)[]): Rng {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest();
  const state: [number, number, number, number] = [
    digest.readUInt32LE(0),
    digest.readUInt32LE(4),
    digest.readUInt32LE(8),
    digest.readUInt32LE(12),
  ];
  // An all-zero state is a fixed point of xoshiro; a SHA-256 prefix of zeros is not going to happen,
  // but a fallback costs nothing.
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return new Rng(state);
}

/**
 * Picks exactly `k` of `n` items in one pass, deciding item by item (Knuth's algorithm S, selection
 * sampling): memory stays constant, so a generator can spoil exactly k of a million streamed rows.
 * Call {@link next} once per item, in order.
 */
export class SelectionSampler {
  private seen = 0;
  private selected = 0;

  constructor(
    private readonly rng: Rng,
    readonly n: number,
    readonly k: number,
  ) {
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(k) || k < 0 || k > n) {
      throw new RangeError(`SelectionSampler(${n}, ${k}): need integers 0 <= k <= n`);
    }
  }

  /** Whether the next item is selected. */
  next(): boolean {
    if (this.seen >= this.n) throw new RangeError(`SelectionSampler: more than ${this.n} items`);
    const remaining = this.n - this.seen;
    this.seen += 1;
    // Select with probability (still needed) / (still to come): certain once they are equal, never
    // once k are taken, so the count is exact.
    if (remaining * this.rng.float() < this.k - this.selected) {
      this.selected += 1;
      return true;
    }
    return false;
  }
}
