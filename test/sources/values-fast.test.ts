import { describe, expect, it } from 'vitest';
import {
  formatDate,
  formatNumber,
  isCanonicalTimestamp,
  isNullText,
  isPlainDecimal,
  isShortInteger,
  NULL_STRINGS,
  parseNumber,
  parseTimestamp,
} from '../../src/lib/sources/values.ts';

/** Random short texts from characters that matter to numbers, dates and nulls. */
function* texts(count: number, alphabet: string, maxLength: number): Generator<string> {
  let state = 11;
  const next = (n: number) => {
    state = (state * 48271) % 2147483647;
    return state % n;
  };
  for (let i = 0; i < count; i++) {
    let text = '';
    for (let c = next(maxLength + 1); c > 0; c--) text += alphabet[next(alphabet.length)];
    yield text;
  }
}

describe('validation fast paths agree with the full parsers', () => {
  it('isNullText is membership in the null strings', () => {
    const candidates = [...NULL_STRINGS, ...texts(20_000, 'NnaA/#1.-<>IDQ ', 9), undefined];
    for (const text of candidates) {
      expect(isNullText(text), JSON.stringify(text)).toBe(text === undefined || NULL_STRINGS.has(text));
    }
  });

  it('isPlainDecimal and isShortInteger only accept what parseNumber reads as such', () => {
    const candidates = [...texts(50_000, '0123456789.+-e ', 12), '1'.repeat(100), '9'.repeat(16), '-0', '+5'];
    let decimals = 0;
    for (const text of candidates) {
      const value = parseNumber(text);
      if (isPlainDecimal(text)) {
        decimals++;
        expect(value !== null && Number.isFinite(value), text).toBe(true);
      }
      if (isShortInteger(text)) expect(value !== null && Number.isSafeInteger(value), text).toBe(true);
    }
    expect(decimals).toBeGreaterThan(1000);
  });

  it('isCanonicalTimestamp only accepts real times on the date they start with', () => {
    let state = 5;
    const next = (n: number) => {
      state = (state * 48271) % 2147483647;
      return state % n;
    };
    const two = (n: number) => String(n).padStart(2, '0');
    const candidates = [
      // Each part around its valid range, so near-misses (month 13, day 31 in April, 24:00) are common.
      ...Array.from({ length: 50_000 }, () => {
        const date = `${String(900 + next(9200)).padStart(4, '0')}-${two(next(14))}-${two(next(33))}`;
        return `${date}${next(2) ? ' ' : 'T'}${two(next(25))}:${two(next(61))}:${two(next(61))}`;
      }),
      '2024-02-29 23:59:59',
      '2023-02-29 00:00:00',
      '1900-02-29 00:00:00',
      '2000-02-29T12:00:00',
      '0999-01-01 00:00:00',
      '2024-01-01 24:00:00',
    ];
    let accepted = 0;
    for (const text of candidates) {
      if (!isCanonicalTimestamp(text)) continue;
      accepted++;
      const ms = parseTimestamp(text);
      expect(ms !== null && !Number.isNaN(ms), text).toBe(true);
      expect(formatDate(ms as number), text).toBe(text.slice(0, 10));
    }
    expect(accepted).toBeGreaterThan(100);
    expect(isCanonicalTimestamp('2023-02-29 00:00:00')).toBe(false);
    expect(isCanonicalTimestamp('2000-02-29T12:00:00')).toBe(true);
  });
});

describe('formatNumber', () => {
  it('writes finite numbers as String() does', () => {
    const view = new DataView(new ArrayBuffer(8));
    let state = 17;
    const next = () => {
      state = (state * 48271) % 2147483647;
      return state;
    };
    const samples = [0, -0, 1e21, 1e-7, 123.456, -5e-324, Number.MAX_VALUE, 0.1 + 0.2, 2860.8];
    for (let i = 0; i < 20_000; i++) {
      view.setUint32(0, next());
      view.setUint32(4, next());
      samples.push(view.getFloat64(0), (next() % 2_000_000) / 100 - 10_000);
    }
    for (const value of samples) {
      if (Number.isFinite(value)) expect(formatNumber(value)).toBe(String(value));
    }
    expect([formatNumber(Number.NaN), formatNumber(null), formatNumber(-Infinity)]).toEqual(['', '', '-inf']);
  });
});
