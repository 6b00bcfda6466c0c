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

/** Parses a rule. @throws Error naming the position and what was expected */
export function parseRule(text: string): Rule {
  const tokens: { text: string; at: number }[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) {
      if (text.slice(at).trim() === '') break;
      throw new Error(`rule ${JSON.stringify(text)}: unexpected character at ${at + 1}`);
    }
    tokens.push({ text: match[1] as string, at: at + 1 });
  }
  let position = 0;
  const columns = new Set<string>();
  const peek = () => tokens[position]?.text;
  const fail = (expected: string): never => {
    const token = tokens[position];
    throw new Error(
      `rule ${JSON.stringify(text)}: expected ${expected} ${token ? `at ${token.at}, found ${JSON.stringify(token.text)}` : 'at the end'}`,
    );
  };
  const take = (expected: string) => {
    if (peek() !== expected) fail(JSON.stringify(expected));
    position++;
  };

  const atom = (): Node => {
    const token = peek();
    if (token === undefined) return fail('a number, a column or "("');
    if (token === '(') {
      position++;
      const inner = or();
      take(')');
      return inner;
    }
    if (token === '-') {
      position++;
      return { op: 'neg', arg: atom() };
    }
    if (/^\d/.test(token)) {
      position++;
      return { op: 'num', value: Number(token) };
    }
    if (/^[A-Za-z_]/.test(token) && !['and', 'or'].includes(token)) {
      position++;
      if (token === 'abs' && peek() === '(') {
        position++;
        const arg = sum();
        take(')');
        return { op: 'abs', arg };
      }
      columns.add(token);
      return { op: 'col', name: token };
    }
    return fail('a number, a column or "("');
  };
  const binary = (next: () => Node, ops: readonly string[]) => (): Node => {
    let left = next();
    for (let op = peek(); op !== undefined && ops.includes(op); op = peek()) {
      position++;
      left = { op, left, right: next() } as Node;
    }
    return left;
  };
  const product = binary(atom, ['*', '/']);
  const sum = binary(product, ['+', '-']);
  const comparison = (): Node => {
    const left = sum();
    const op = peek();
    if (op === undefined || !['==', '!=', '<', '<=', '>', '>='].includes(op))
      return fail('a comparison (==, !=, <, <=, >, >=)');
    position++;
    return { op: op as Comparison, left, right: sum() };
  };
  const and = binary(comparison, ['and']);
  const or = binary(and, ['or']);
  const root = or();
  if (position < tokens.length) fail('the end');
  return { columns: [...columns], root };
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
        return (i) => Math.abs(l(i) - r(i)) <= tolerance;
      case '!=':
        return (i) => Math.abs(l(i) - r(i)) > tolerance;
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
