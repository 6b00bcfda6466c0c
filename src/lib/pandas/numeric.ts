/**
 * Floating-point arithmetic exactly as numpy and pandas do it, so computed numbers match the seed's
 * bit for bit: numpy's `round` (scale, round-half-to-even, unscale), Python's `round` (correctly
 * rounded decimal), pandas' Kahan-compensated group sums and numpy's pairwise sum.
 */

/** C `rint`: round to the nearest integer, ties to even, keeping the sign of zero. */
export function rint(y: number): number {
  if (!Number.isFinite(y)) return y;
  const floor = Math.floor(y);
  const diff = y - floor; // exact: both are floats of the same binade or floor is an integer below y
  let result: number;
  if (diff > 0.5) result = floor + 1;
  else if (diff < 0.5) result = floor;
  else result = floor % 2 === 0 ? floor : floor + 1;
  return result === 0 && (y < 0 || Object.is(y, -0)) ? -0 : result;
}

/**
 * numpy's `np.round(x, decimals)` / `Series.round(decimals)` for decimals ≥ 0: `rint(x * 10^d) / 10^d`.
 * Not the same as a correctly rounded decimal: `numpyRound(0.12345, 4)` is 0.1234 (Python says 0.1235).
 */
export function numpyRound(x: number, decimals: number): number {
  const scale = 10 ** decimals;
  return rint(x * scale) / scale;
}

/**
 * Python's built-in `round(x, ndigits)` on a float: the decimal nearest to the exact binary value,
 * ties to even. `toFixed` rounds the exact value too but breaks ties upwards; a tie at `d` digits is
 * only possible when `x * 2^(d+1)` is an odd integer, which we detect and settle to even ourselves.
 */
export function pythonRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e15) return x;
  const twice = x * 2 ** (ndigits + 1);
  if (Number.isInteger(twice) && Math.abs(twice % 2) === 1) {
    // x = (k + 1/2) / 10^d exactly: pick the even k.
    const k = Math.floor(x * 10 ** ndigits);
    const even = k % 2 === 0 ? k : k + 1;
    return Number(`${even}e-${ndigits}`);
  }
  return Number(x.toFixed(ndigits));
}

/**
 * A running sum with pandas' groupby compensation (`group_add` in pandas 1.5: classic Kahan, NaN
 * skipped). Kept as two numbers in caller-owned state so no object is allocated per value.
 */
export interface KahanState {
  sum: number;
  compensation: number;
}

/** Adds `value` to a Kahan state unless it is NaN (pandas skips nulls), in pandas' exact operation order. */
export function kahanAdd(state: KahanState, value: number): void {
  if (Number.isNaN(value)) return;
  const y = value - state.compensation;
  const t = state.sum + y;
  state.compensation = t - state.sum - y;
  state.sum = t;
}

/**
 * Neumaier's compensated sum (NaN skipped). Used for whole-column totals, where numpy's pairwise sum
 * cannot be reproduced without holding the column: Neumaier is at least as accurate.
 */
export class NeumaierSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    if (Number.isNaN(value)) return;
    const t = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - t + value;
    else this.compensation += value - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    // Infinite sums make the compensation NaN; the plain sum is then the answer.
    return Number.isFinite(this.sum) ? this.sum + this.compensation : this.sum;
  }
}

/** numpy's pairwise summation (`np.sum`, `np.mean` of a float64 array), in its exact order. */
export function numpySum(values: readonly number[], start = 0, count = values.length): number {
  if (count < 8) {
    let result = 0;
    for (let i = 0; i < count; i++) result += values[start + i] as number;
    return result;
  }
  if (count <= 128) {
    // Eight interleaved partial sums, combined as a tree, as numpy's unrolled loop does.
    const r = values.slice(start, start + 8) as number[];
    let i = 8;
    for (; i < count - (count % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = (r[j] as number) + (values[start + i + j] as number);
    }
    const [r0, r1, r2, r3, r4, r5, r6, r7] = r as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    let result = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < count; i++) result += values[start + i] as number;
    return result;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return numpySum(values, start, half) + numpySum(values, start + half, count - half);
}

/** numpy's `np.mean` of a list of floats (NaN for an empty list, as numpy). */
export function numpyMean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : numpySum(values) / values.length;
}
