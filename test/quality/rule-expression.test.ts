import { describe, expect, it } from 'vitest';
import { ruleCheck } from '../../src/lib/quality/check-builders.ts';
import { qualityCheckSchema } from '../../src/lib/quality/checks.ts';
import { compileRule, parseRule } from '../../src/lib/quality/rule-expression.ts';

// The cross-column rule language: the parser (precedence, associativity, abs, unary minus, and/or,
// errors naming a 1-based position) and the row test (tolerance, division by zero, nulls). Every
// expected value is worked out by hand from the numbers beside it.

/** The rule's verdict on one row: true (good), false (fails) or undefined (not judged: a null). */
function judge(text: string, row: Record<string, number>, tolerance?: number): boolean | undefined {
  const rule = parseRule(text);
  const test = compileRule(rule, (column) => new Float64Array([row[column] ?? Number.NaN]), tolerance);
  return test(0);
}

/** The message parseRule throws for `text`. */
function parseError(text: string): string {
  try {
    parseRule(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(text)} parsed`);
}

describe('parseRule: what a rule reads', () => {
  it('lists each column once, in order of first use; numbers and abs( are not columns', () => {
    expect(parseRule('total_amount == quantity * unit_price').columns).toEqual([
      'total_amount',
      'quantity',
      'unit_price',
    ]);
    expect(parseRule('abs(a - b) <= 2 * a and b > 0').columns).toEqual(['a', 'b']);
    expect(parseRule('1.5e2 == 150').columns).toEqual([]);
    // `abs` not followed by "(" is a column like any other.
    expect(parseRule('abs > 0').columns).toEqual(['abs']);
  });
});

describe('parseRule: precedence and associativity', () => {
  const row = { a: 1, b: 2, c: 3 };

  it('* and / bind tighter than + and -', () => {
    expect(judge('a + b * c == 7', row)).toBe(true); // 1 + 6, not (1 + 2) * 3 = 9
    expect(judge('a + b * c == 9', row)).toBe(false);
    expect(judge('c - b / b == 2', row)).toBe(true); // 3 - 1
    expect(judge('a * b + c == 5', row)).toBe(true);
  });

  it('- and / are left-associative', () => {
    expect(judge('a - b - c == -4', row)).toBe(true); // (1 - 2) - 3, not 1 - (2 - 3) = 2
    expect(judge('c / c / c == 1 / 3', row)).toBe(true); // (3 / 3) / 3
    expect(judge('c / b * b == 3', row)).toBe(true); // (3 / 2) * 2
  });

  it('unary minus, also doubled and on a number', () => {
    expect(judge('-a * b == -2', row)).toBe(true);
    expect(judge('- -a == 1', row)).toBe(true);
    expect(judge('a - -b == 3', row)).toBe(true);
    expect(judge('-1 < a', row)).toBe(true);
  });

  it('abs over a sum', () => {
    expect(judge('abs(a - c) == 2', row)).toBe(true);
    expect(judge('abs(-c) + a == 4', row)).toBe(true);
    expect(judge('abs(a - c) == -2', row)).toBe(false);
  });

  it('every comparison operator', () => {
    const verdicts = ['==', '!=', '<', '<=', '>', '>='].map((op) => [
      judge(`a ${op} a`, row),
      judge(`a ${op} b`, row),
      judge(`b ${op} a`, row),
    ]);
    expect(verdicts).toEqual([
      [true, false, false],
      [false, true, true],
      [false, true, false],
      [true, true, false],
      [false, false, true],
      [true, false, true],
    ]);
  });

  it('and binds tighter than or', () => {
    // a < 5 or (b > 5 and c > 5) = true; (a < 5 or b > 5) and c > 5 would be false.
    expect(judge('a < 5 or b > 5 and c > 5', row)).toBe(true);
    // (a > 5 and b > 1) or c > 2 = true.
    expect(judge('a > 5 and b > 1 or c > 2', row)).toBe(true);
    expect(judge('a > 5 or b > 5 or c > 5', row)).toBe(false);
    expect(judge('a < 5 and b < 5 and c < 3', row)).toBe(false);
  });

  it('parentheses group arithmetic and conditions', () => {
    expect(judge('(a + b) * c == 9', row)).toBe(true);
    expect(judge('-(a - b) == 1', row)).toBe(true);
    expect(judge('abs((a - c)) == 2', row)).toBe(true);
    expect(judge('(a > 1 or b > 1) and c > 1', row)).toBe(true);
    expect(judge('a >= 1 and (b > 5 or c > 2)', row)).toBe(true);
    expect(judge('a > 1 and (b > 5 or c > 2)', row)).toBe(false);
  });

  it('a comparison used as a number is refused by the parser', () => {
    expect(() => parseRule('(a < b) == 1')).toThrow();
  });
});

describe('parseRule: errors name what was expected and where (1-based)', () => {
  it('at the end', () => {
    expect(parseError('')).toBe('rule "": expected a number, a column or "(" at the end');
    expect(parseError('a +')).toBe('rule "a +": expected a number, a column or "(" at the end');
    expect(parseError('a + b')).toBe('rule "a + b": expected a comparison (==, !=, <, <=, >, >=) at the end');
    expect(parseError('abs(a')).toBe('rule "abs(a": expected ")" at the end');
  });

  it('at a token written without spaces before it', () => {
    expect(parseError('a<b<c')).toBe('rule "a<b<c": expected the end at 4, found "<"');
    expect(parseError('a==b)')).toBe('rule "a==b)": expected the end at 5, found ")"');
    expect(parseError('a==b$c')).toBe('rule "a==b$c": unexpected character at 5');
    expect(parseError('a==and')).toBe('rule "a==and": expected a number, a column or "(" at 4, found "and"');
    expect(parseError('abs(a<b)==1')).toBe(
      'rule "abs(a<b)==1": expected a number, not a condition, at 5, found "a"',
    );
    expect(parseError('a==1.')).toBe('rule "a==1.": unexpected character at 5');
  });

  it('at a token after spaces, the token itself', () => {
    expect(parseError('a < b < c')).toBe('rule "a < b < c": expected the end at 7, found "<"');
    expect(parseError('a == b $ c')).toBe('rule "a == b $ c": unexpected character at 8');
  });

  it('qualityCheckSchema refuses a rule that does not parse, with the parser message', () => {
    const parsed = qualityCheckSchema.safeParse(ruleCheck('Bad', 'a + b', { error: '> 0' }));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
      'rule "a + b": expected a comparison (==, !=, <, <=, >, >=) at the end',
    ]);
    // The builder keeps the text as its column when it cannot parse it.
    expect(ruleCheck('Bad', 'a + b').column).toBe('a + b');
    expect(ruleCheck('Good', 'b == a * 2').column).toBe('b, a');
  });
});

describe('compileRule: tolerance, division by zero, nulls', () => {
  it('== and != within the tolerance, inclusive at exactly the tolerance', () => {
    // |1.25 - 1| = 0.25 exactly in binary.
    expect(judge('a == b', { a: 1.25, b: 1 }, 0.25)).toBe(true);
    expect(judge('a == b', { a: 1.25, b: 1 }, 0.125)).toBe(false);
    expect(judge('a != b', { a: 1.25, b: 1 }, 0.25)).toBe(false);
    expect(judge('a != b', { a: 1.25, b: 1 }, 0.125)).toBe(true);
    // total == quantity * price: 3 * 3.33 = 9.99, 10.01 - 9.99 is 0.0199999… ≤ 0.02.
    expect(judge('t == q * p', { t: 10.01, q: 3, p: 3.33 }, 0.02)).toBe(true);
    expect(judge('t == q * p', { t: 10.01, q: 3, p: 3.33 }, 0.01)).toBe(false);
    // Without a tolerance == is exact.
    expect(judge('a == b', { a: 0.5, b: 0.5 })).toBe(true);
    expect(judge('a == b', { a: 0.5, b: 0.5000001 })).toBe(false);
  });

  it('the tolerance does not apply to <, <=, >, >=', () => {
    expect(judge('a < b', { a: 1.25, b: 1 }, 1)).toBe(false);
    expect(judge('a <= b', { a: 1.25, b: 1 }, 1)).toBe(false);
  });

  it('a decimal difference exactly at the tolerance passes', () => {
    expect(judge('a == b', { a: 1.11, b: 1.1 }, 0.01)).toBe(true);
    expect(judge('a == b', { a: 1.1, b: 1 }, 0.1)).toBe(true);
  });

  it('division by zero: x / 0 is ±Infinity (compared as such), 0 / 0 is NaN (every comparison fails)', () => {
    expect(judge('a / b > 1000', { a: 1, b: 0 })).toBe(true); // +Infinity
    expect(judge('a / b < -1000', { a: -1, b: 0 })).toBe(true); // -Infinity
    expect(judge('a / b == 1', { a: 1, b: 0 }, 1e9)).toBe(false); // |Infinity - 1| > any tolerance
    expect(judge('a / b != 1', { a: 1, b: 0 })).toBe(true);
    // 0 / 0: NaN makes ==, !=, <, >= all false, so the row fails whatever the operator.
    for (const op of ['==', '!=', '<', '<=', '>', '>='])
      expect(judge(`a / b ${op} 0`, { a: 0, b: 0 }), op).toBe(false);
  });

  it('a row with a null in any column the rule reads is not judged', () => {
    expect(judge('a == b', { a: 1 })).toBeUndefined();
    expect(judge('a > 0 or b > 0', { a: 1 })).toBeUndefined();
    expect(judge('1 == 1', {})).toBe(true);
  });

  it('evaluates row i of each column', () => {
    const rule = parseRule('t == q * p');
    const columns: Record<string, number[]> = { t: [6, 7, Number.NaN], q: [2, 2, 2], p: [3, 3, 3] };
    const test = compileRule(rule, (column) => Float64Array.from(columns[column] ?? []));
    expect([test(0), test(1), test(2)]).toEqual([true, false, undefined]);
  });
});
