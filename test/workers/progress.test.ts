import { describe, expect, it } from 'vitest';
import { throttleProgress } from '../../src/workers/progress.ts';

/** A reporter on a clock the test moves, recording what it writes. */
function reporter<T extends number | object>(quietMs: number, intervalMs: number) {
  let clock = 0;
  const sent: T[] = [];
  const report = throttleProgress<T>(
    async (value) => {
      sent.push(value);
    },
    () => undefined,
    { quietMs, intervalMs, now: () => clock },
  );
  return { report, sent, advance: (ms: number) => (clock += ms) };
}

describe('throttleProgress', () => {
  it('writes nothing while the step is young (a notebook-size step ends before)', () => {
    const { report, sent, advance } = reporter<{ stage: string; rows: number }>(50, 250);
    report({ stage: 'dimensions', rows: 9 });
    advance(20);
    report({ stage: 'transactions', rows: 300 });
    advance(29);
    report({ stage: 'summary', rows: 4 });
    expect(sent).toEqual([]);
  });

  it('then writes each new stage at once and one value per interval within a stage', () => {
    const { report, sent, advance } = reporter<{ stage: string; rows: number }>(50, 250);
    report({ stage: 'dimensions', rows: 9 });
    advance(50);
    for (let rows = 512; rows <= 5120; rows += 512) {
      report({ stage: 'transactions', rows });
      advance(50);
    }
    report({ stage: 'summary', rows: 4 });
    report({ stage: 'summary', rows: 5 });
    expect(sent).toEqual([
      { stage: 'transactions', rows: 512 },
      { stage: 'transactions', rows: 3072 },
      { stage: 'summary', rows: 4 },
    ]);
  });

  it('hands a failed write to onError instead of throwing', async () => {
    const failure = new Error('redis away');
    const errors: unknown[] = [];
    let clock = 0;
    const reported = new Promise<void>((resolve) => {
      const report = throttleProgress<number>(
        () => Promise.reject(failure),
        (error) => {
          errors.push(error);
          resolve();
        },
        { quietMs: 10, now: () => clock },
      );
      clock = 10;
      expect(() => report(1)).not.toThrow();
    });
    await reported;
    expect(errors).toEqual([failure]);
  });
});
