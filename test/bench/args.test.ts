import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/args.ts';

describe('bench arguments', () => {
  it('defaults to one warm-up backfill, and --scale measures 1 and 2 workers', () => {
    const args = parseBenchArgs(['--scale', '--repeat', '5']);
    expect(args).toMatchObject({ warmup: 1, repeat: 5, scale: true, workers: [1, 2], rows: [1_000_000] });
  });

  it('takes --warmup 0 to measure fresh workers, and refuses a negative count', () => {
    expect(parseBenchArgs(['--warmup', '0'])).toMatchObject({ warmup: 0 });
    expect(() => parseBenchArgs(['--warmup=-1'])).toThrow(/--warmup must be an integer ≥ 0, got "-1"/);
  });
});
