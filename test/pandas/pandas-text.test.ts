import { describe, expect, it } from 'vitest';
import {
  compareCodePoints,
  isNull,
  isPythonSpace,
  pythonStrip,
  readNumber,
} from '../../src/lib/pandas/pandas-text.ts';
import { pythonTitle } from '../../src/lib/pandas/title-case.ts';

describe('isNull', () => {
  it("is true for read_csv's default NA strings only", () => {
    for (const text of ['', 'NA', 'N/A', 'null', 'NULL', 'NaN', 'nan', '#N/A', '<NA>', '-1.#IND']) {
      expect(isNull(text)).toBe(true);
    }
    for (const text of [' ', 'na ', 'Unknown', '0', 'none', 'NaT']) expect(isNull(text)).toBe(false);
  });
});

describe('readNumber', () => {
  it('reads decimals as pandas does, NaN for null text', () => {
    expect(readNumber('12')).toBe(12);
    expect(readNumber(' 7 ')).toBe(7);
    expect(readNumber('\t-3.5\t')).toBe(-3.5);
    expect(readNumber('1.')).toBe(1);
    expect(readNumber('.5')).toBe(0.5);
    expect(readNumber('+5')).toBe(5);
    expect(readNumber('1e5')).toBe(100000);
    expect(readNumber('2E-2')).toBe(0.02);
    expect(readNumber('NA')).toBeNaN();
    expect(readNumber('')).toBeNaN();
  });

  it("computes the value with pandas' parser, not the correctly rounded one", () => {
    // repr(3 * 437.38) in Python; pandas reads it back as 1312.14.
    expect(readNumber('1312.1399999999999')).toBe(1312.14);
    expect(Number('1312.1399999999999')).not.toBe(1312.14);
  });

  it('reads inf and infinity in any case and sign', () => {
    expect(readNumber('inf')).toBe(Number.POSITIVE_INFINITY);
    expect(readNumber('-INF')).toBe(Number.NEGATIVE_INFINITY);
    expect(readNumber('Infinity')).toBe(Number.POSITIVE_INFINITY);
  });

  it('returns undefined for text pandas keeps as a string', () => {
    for (const text of [
      'abc',
      '1e',
      '1.5e+',
      '.',
      '0x10',
      '1_000',
      '1,5',
      '- 5',
      '5-',
      '+-1',
      '1e400',
      'infinite',
    ]) {
      expect(readNumber(text), text).toBeUndefined();
    }
  });
});

describe('pythonStrip', () => {
  it("strips Python's whitespace, which is not JavaScript's", () => {
    expect(pythonStrip('  widget a ')).toBe('widget a');
    expect(pythonStrip('\x1c\x85a\u00a0\u3000')).toBe('a');
    expect(pythonStrip('\ufeffb')).toBe('\ufeffb');
    expect(pythonStrip('   ')).toBe('');
    expect(isPythonSpace(0x1f)).toBe(true);
    expect(isPythonSpace(0x200b)).toBe(false);
  });
});

describe('pythonTitle', () => {
  // Each expected value is Python 3.11's str.title() of the input.
  it.each([
    ['gadget-x', 'Gadget-X'],
    ['widget a', 'Widget A'],
    ['WIDGET B', 'Widget B'],
    ["they're", "They'Re"],
    ['3d printer', '3D Printer'],
    ["o'neil 3d widget", "O'Neil 3D Widget"],
    ['hello_world', 'Hello_World'],
    ['x1y2z3', 'X1Y2Z3'],
    ['Widget A', 'Widget A'],
    ['élan VITAL', 'Élan Vital'],
    ['ǆungla ßeta', 'ǅungla Sseta'],
    ['ﬁsh ﬂy', 'Fish Fly'],
    ['ΣΑΣ ΣΑΣ', 'Σας Σας'],
    ['ὈΔΥΣΣΕΎΣ', 'Ὀδυσσεύς'],
    ['ᾳbc', 'ᾼbc'],
    ['', ''],
  ])('%j becomes %j', (input, expected) => {
    expect(pythonTitle(input)).toBe(expected);
  });

  it('returns an already titled ASCII name unchanged (no copy)', () => {
    const name = 'Service Z';
    expect(pythonTitle(name)).toBe(name);
  });
});

describe('compareCodePoints', () => {
  it('orders by code point like Python, unlike UTF-16 order', () => {
    expect(['b', 'a', 'B', ' a'].sort(compareCodePoints)).toEqual([' a', 'B', 'a', 'b']);
    // U+FF21 (fullwidth A) is above every BMP letter but below an astral one.
    expect(compareCodePoints('\u{1F600}', '\uff21')).toBeGreaterThan(0);
    expect('\u{1F600}' < '\uff21').toBe(true);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
  });
});
