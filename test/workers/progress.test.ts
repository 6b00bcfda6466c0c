import { describe, expect, it } from 'vitest';
import { throttleProgress } from '../../src/workers/progress.ts';

describe('throttleProgress', () => {
  it('sends the first value, then one per interval; a new stage goes out at once', async () => {
    const sent: unknown[] = [];
    const report = throttleProgress<{ stage: string; rows: number }>(
      async (value) => {
        sent.push(value);
      },
      () => undefined,
      60_000,
    );
    report({ stage: 'dimensions', rows: 9 });
    for (let rows = 512; rows <= 100_000; rows += 512) report({ stage: 'transactions', rows });
    report({ stage: 'summary', rows: 4 });
    report({ stage: 'summary', rows: 5 });
    expect(sent).toEqual([
      { stage: 'dimensions', rows: 9 },
      { stage: 'transactions', rows: 512 },
      { stage: 'summary', rows: 4 },
    ]);
  });

  it('sends every value when the interval has passed', () => {
    const sent: number[] = [];
    const report = throttleProgress<number>(
      async (value) => {
        sent.push(value);
      },
      () => undefined,
      0,
    );
    for (let i = 1; i <= 5; i++) report(i);
    expect(sent).toEqual([1, 2, 3, 4, 5]);
  });

  it('hands a failed write to onError instead of throwing', async () => {
    const failure = new Error('redis away');
    const errors: unknown[] = [];
    const reported = new Promise<void>((resolve) => {
      const report = throttleProgress<number>(
        () => Promise.reject(failure),
        (error) => {
          errors.push(error);
          resolve();
        },
      );
      expect(() => report(1)).not.toThrow();
    });
    await reported;
    expect(errors).toEqual([failure]);
  });
});
