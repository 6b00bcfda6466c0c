/**
 * The cross-column rule language: arithmetic over numeric columns compared, e.g.
 * `total_amount == quantity * unit_price` or `abs(profit) <= total_amount and quantity > 0`.
 * Grammar: `or`/`and` of comparisons (`== != < <= > >=`) of sums (`+ -`) of products (`* /`) of
 * numbers, column names, `abs(…)`, unary minus and parentheses. Parsed once at load; evaluated per
 * row over the batch's numbers.
 */

type Node =
  | { op: 'num'; value: number }
  | { op: 'col'; name: string }
  | { op: 'neg' | 'abs'; arg: Node }
  | { op: '+' | '-' | '*' | '/'; left: Node; right: Node }
  | { op: Comparison; left: Node; right: Node }
  | { op: 'and' | 'or'; left: Node; right: Node };
type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A rule parsed: the columns it reads and its tree. */
export interface Rule {
  columns: string[];
  root: Node;
}

const TOKEN = /\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|[-+*/()<>])/y;
const COMPARISONS = ['==', '!=', '<', '<=', '>', '>='];

/** Whether a node is a condition (true or false) rather than a number. */
const isCondition = (node: Node): boolean =>
  COMPARISONS.includes(node.op) || node.op === 'and' || node.op === 'or';

/** Parses a rule. @throws Error naming the position and what was expected */
export function parseRule(text: string): Rule {
  const tokens: { text: string; at: number }[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const from = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) {
      const rest = text.slice(from);
      if (rest.trim() === '') break;
      throw new Error(
        `rule ${JSON.stringify(text)}: unexpected character at ${from + rest.length - rest.trimStart().length + 1}`,
      );
    }
    const token = match[1] as string;
    tokens.push({ text: token, at: TOKEN.lastIndex - token.length + 1 });
  }
  let position = 0;
  const columns = new Set<string>();
  const peek = () => tokens[position]?.text;
  const fail = (expected: string, at = position): never => {
    const token = tokens[at];
    throw new Error(
      `rule ${JSON.stringify(text)}: expected ${expected} ${token ? `at ${token.at}, found ${JSON.stringify(token.text)}` : 'at the end'}`,
    );
  };
  const take = (expected: string) => {
    if (peek() !== expected) fail(JSON.stringify(expected));
    position++;
  };
  /** A number-valued node, or a failure naming where it started. */
  const numeric = (node: Node, at: number): Node =>
    isCondition(node) ? fail('a number, not a condition,', at) : node;

  const atom = (): Node => {
    const token = peek();
    if (token === undefined) return fail('a number, a column or "("');
    if (token === '(') {
      position++;
      // A group is a sum or a condition: whichever the tokens make.
      const inner = or();
      take(')');
      return inner;
    }
    if (token === '-') {
      const at = ++position;
      return { op: 'neg', arg: numeric(atom(), at) };
    }
    if (/^\d/.test(token)) {
      position++;
      return { op: 'num', value: Number(token) };
    }
    if (/^[A-Za-z_]/.test(token) && !['and', 'or'].includes(token)) {
      position++;
      if (token === 'abs' && peek() === '(') {
        position++;
        const at = position;
        const arg = numeric(or(), at);
        take(')');
        return { op: 'abs', arg };
      }
      columns.add(token);
      return { op: 'col', name: token };
    }
    return fail('a number, a column or "("');
  };
  const arithmetic = (next: () => Node, ops: readonly string[]) => (): Node => {
    let at = position;
    let left = next();
    for (let op = peek(); op !== undefined && ops.includes(op); op = peek()) {
      numeric(left, at);
      position++;
      at = position;
      left = { op, left, right: numeric(next(), at) } as Node;
    }
    return left;
  };
  const product = arithmetic(atom, ['*', '/']);
  const sum = arithmetic(product, ['+', '-']);
  const comparison = (): Node => {
    const at = position;
    const left = sum();
    const op = peek();
    // Without a comparison this is a number (a group's inside) or a parenthesised condition.
    if (op === undefined || !COMPARISONS.includes(op)) return left;
    numeric(left, at);
    position++;
    const right = position;
    return { op: op as Comparison, left, right: numeric(sum(), right) };
  };
  /** A condition-valued node, or a failure naming where it started. */
  const condition = (node: Node, at: number): Node =>
    isCondition(node) ? node : fail('a comparison (==, !=, <, <=, >, >=) after the number that starts', at);
  const logical = (next: () => Node, op: 'and' | 'or') => (): Node => {
    let at = position;
    let left = next();
    while (peek() === op) {
      condition(left, at);
      position++;
      at = position;
      left = { op, left, right: condition(next(), at) };
    }
    return left;
  };
  const and = logical(comparison, 'and');
  const or = logical(and, 'or');
  const root = or();
  if (position < tokens.length) fail(isCondition(root) ? 'the end' : 'a comparison (==, !=, <, <=, >, >=)');
  if (!isCondition(root)) fail('a comparison (==, !=, <, <=, >, >=)');
  return { columns: [...columns], root };
}

/**
 * `|a - b| <= tolerance`, where a difference that is the tolerance in decimal (`1.11 - 1.1` against
 * 0.01) is not missed by binary rounding; NaN (0/0) is within nothing.
 */
function within(a: number, b: number, tolerance: number): boolean {
  const gap = Math.abs(a - b);
  if (!(gap < Number.POSITIVE_INFINITY)) return false; // NaN, or an infinite gap
  return gap <= tolerance || gap - tolerance <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * A row test of a rule: `test(i)` reads row `i` of each column's numbers (`values(name)`); `==` and
 * `!=` compare within `tolerance`. A row with a null (NaN) in a column the rule reads is not judged
 * (`undefined`): nulls are what completeness checks are for.
 */
export function compileRule(
  rule: Rule,
  values: (column: string) => Float64Array,
  tolerance = 0,
): (i: number) => boolean | undefined {
  const arrays = rule.columns.map((column) => values(column));
  const index = new Map(rule.columns.map((column, i) => [column, i]));
  const number = (node: Node): ((i: number) => number) => {
    switch (node.op) {
      case 'num': {
        const value = node.value;
        return () => value;
      }
      case 'col': {
        const array = arrays[index.get(node.name) as number] as Float64Array;
        return (i) => array[i] as number;
      }
      case 'neg': {
        const arg = number(node.arg);
        return (i) => -arg(i);
      }
      case 'abs': {
        const arg = number(node.arg);
        return (i) => Math.abs(arg(i));
      }
      case '+':
      case '-':
      case '*':
      case '/': {
        const [l, r] = [number(node.left), number(node.right)];
        if (node.op === '+') return (i) => l(i) + r(i);
        if (node.op === '-') return (i) => l(i) - r(i);
        if (node.op === '*') return (i) => l(i) * r(i);
        return (i) => l(i) / r(i);
      }
      default:
        throw new Error(`a comparison where a number is expected: ${node.op}`);
    }
  };
  const truth = (node: Node): ((i: number) => boolean) => {
    if (node.op === 'and' || node.op === 'or') {
      const [l, r] = [truth(node.left), truth(node.right)];
      return node.op === 'and' ? (i) => l(i) && r(i) : (i) => l(i) || r(i);
    }
    const [l, r] = [number((node as { left: Node }).left), number((node as { right: Node }).right)];
    switch (node.op) {
      case '==':
        return (i) => within(l(i), r(i), tolerance);
      case '!=':
        // NaN (0/0) is unequal to nothing, as it equals nothing: a row with it fails either way.
        return (i) => !Number.isNaN(l(i) - r(i)) && !within(l(i), r(i), tolerance);
      case '<':
        return (i) => l(i) < r(i);
      case '<=':
        return (i) => l(i) <= r(i);
      case '>':
        return (i) => l(i) > r(i);
      case '>=':
        return (i) => l(i) >= r(i);
      default:
        throw new Error(`a number where a comparison is expected: ${node.op}`);
    }
  };
  const test = truth(rule.root);
  return (i) => {
    for (const array of arrays) if (Number.isNaN(array[i] as number)) return undefined;
    return test(i);
  };
}
