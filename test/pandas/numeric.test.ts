import { describe, expect, it } from 'vitest';
import {
  kahanAdd,
  NeumaierSum,
  numpyMean,
  numpyRound,
  numpySum,
  pythonRound,
  rint,
} from '../../src/lib/pandas/numeric.ts';

// Expected values computed with numpy 1.24 / Python 3.11.
describe('rint', () => {
  it('rounds half to even and keeps the sign of zero', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6].map(rint)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
    expect(Object.is(rint(-0.4), -0)).toBe(true);
    expect(rint(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(rint(Number.NaN)).toBeNaN();
  });
});

describe('numpyRound', () => {
  it('scales, rounds half to even and unscales as np.round does', () => {
    expect(numpyRound(0.125, 2)).toBe(0.12);
    expect(numpyRound(0.135, 2)).toBe(0.14);
    expect(numpyRound(2.675, 2)).toBe(2.68);
    expect(numpyRound(1.005, 2)).toBe(1.0);
    expect(numpyRound(0.285, 2)).toBe(0.28);
    expect(numpyRound(-2.5, 2)).toBe(-2.5);
    expect(Object.is(numpyRound(-0.004, 2), -0)).toBe(true);
    expect(numpyRound(1002.7550000000001, 2)).toBe(1002.76);
    expect(numpyRound(0.12345, 4)).toBe(0.1234);
  });

  it('passes NaN and infinities through', () => {
    expect(numpyRound(Number.NaN, 2)).toBeNaN();
    expect(numpyRound(Number.NEGATIVE_INFINITY, 2)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('pythonRound', () => {
  it('rounds the exact binary value to the nearest decimal, ties to even', () => {
    expect(pythonRound(0.12345, 4)).toBe(0.1235);
    expect(pythonRound(0.03125, 4)).toBe(0.0312);
    expect(pythonRound(0.09375, 4)).toBe(0.0938);
    expect(pythonRound(0.99995, 4)).toBe(1.0);
    expect(pythonRound(0.66665, 4)).toBe(0.6666);
    expect(pythonRound(2 / 3, 4)).toBe(0.6667);
    expect(pythonRound(1 / 7, 4)).toBe(0.1429);
  });
});

describe('kahanAdd', () => {
  it('compensates as pandas group sums do and skips NaN', () => {
    const state = { sum: 0, compensation: 0 };
    for (const x of [
      2028.65,
      899.0,
      Number.NaN,
      1142.05,
      1059.3000000000002,
      1312.14,
      345.0,
      202.9,
      1088.75,
      1949.76,
    ]) {
      kahanAdd(state, x);
    }
    // A plain loop gives 10027.55; pandas' groupby sum gives this.
    expect(state.sum).toBe(10027.550000000001);
  });

  it('turns a sum with an infinity before other values into NaN, as pandas 1.5', () => {
    const state = { sum: 0, compensation: 0 };
    for (const x of [1, Number.POSITIVE_INFINITY, 2]) kahanAdd(state, x);
    expect(state.sum).toBeNaN();
  });
});

describe('NeumaierSum', () => {
  it('is exact where a plain sum drifts', () => {
    const sum = new NeumaierSum();
    for (const x of [1e16, 1, -1e16]) sum.add(x);
    expect(sum.value).toBe(1);
    sum.add(Number.NaN);
    expect(sum.value).toBe(1);
  });

  it('returns an infinite sum as it is', () => {
    const sum = new NeumaierSum();
    sum.add(Number.POSITIVE_INFINITY);
    sum.add(1);
    expect(sum.value).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('numpySum / numpyMean', () => {
  it('sums pairwise in numpy order', () => {
    const scores = [0.9722, 0.9444, 0.9444, 1.0, 0.9444, 0.9444, 0.7222, 0.8889, 1.0];
    expect(numpyMean(scores)).toBe(0.928988888888889);
    expect(numpySum([0.1, 0.2, 0.3])).toBe(0.1 + 0.2 + 0.3);
  });

  it('splits blocks above 128 values as numpy does', () => {
    // np.sum(np.array([0.1 * i + 1 / (i + 1) for i in range(1000)])); a plain loop ends in ...585.
    const values = Array.from({ length: 1000 }, (_, i) => 0.1 * i + 1 / (i + 1));
    expect(numpySum(values)).toBe(49957.485470860556);
    expect(numpyMean([])).toBeNaN();
  });
});
