// Recursive-descent parser for the Python expression subset recipes put in selectors:
// boolean operators, (chained) comparisons, arithmetic, literals, attribute access, calls,
// subscripts and slices, conditional expressions. Precedence follows the Python grammar
// (https://docs.python.org/3/reference/expressions.html#operator-precedence).
import { PythonSyntaxError } from './errors.ts';
import { tokenize, type Token } from './tokenize.ts';

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not';
export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';

export type Node =
  | { type: 'const'; value: string | number | boolean | null }
  | { type: 'name'; name: string; pos: number }
  | { type: 'list' | 'tuple'; items: Node[] }
  | { type: 'dict'; entries: [Node, Node][] }
  | { type: 'and' | 'or'; left: Node; right: Node }
  | { type: 'not'; operand: Node }
  | { type: 'neg' | 'pos'; operand: Node }
  | { type: 'binary'; op: BinaryOp; left: Node; right: Node }
  | { type: 'compare'; first: Node; rest: { op: CompareOp; right: Node }[] }
  | { type: 'ifexp'; test: Node; body: Node; orelse: Node }
  | { type: 'attr'; object: Node; name: string }
  | { type: 'call'; callee: Node; args: Node[] }
  | { type: 'index'; object: Node; index: Node }
  | { type: 'slice'; object: Node; lower: Node | null; upper: Node | null; step: Node | null };

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'if', 'else', 'True', 'False', 'None', 'lambda', 'for']);
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

class Parser {
  private i = 0;
  constructor(
    private readonly expr: string,
    private readonly tokens: Token[],
  ) {}

  private get tok(): Token {
    return this.tokens[this.i];
  }

  private fail(message: string, token = this.tok): never {
    throw new PythonSyntaxError(this.expr, token.pos + 1, message);
  }

  private isOp(value: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset];
    return t?.kind === 'op' && t.value === value;
  }

  private isKeyword(value: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset];
    return t?.kind === 'name' && t.value === value;
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) this.fail(`expected \`${value}\`, found ${describe(this.tok)}`);
    this.i++;
  }

  parseTop(): Node {
    if (this.tok.kind === 'end') this.fail('empty expression');
    const node = this.parseTestList();
    if (this.i < this.tokens.length - 1) this.fail(`unexpected ${describe(this.tok)}`);
    return node;
  }

  // `a, b` at the top level or in parentheses is a tuple.
  private parseTestList(): Node {
    const first = this.parseExpr();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.tok.kind === 'end' || this.isOp(')')) break;
      items.push(this.parseExpr());
    }
    return { type: 'tuple', items };
  }

  private parseExpr(): Node {
    const body = this.parseOr();
    if (!this.isKeyword('if')) return body;
    this.i++;
    const test = this.parseOr();
    if (!this.isKeyword('else')) this.fail(`expected \`else\`, found ${describe(this.tok)}`);
    this.i++;
    return { type: 'ifexp', test, body, orelse: this.parseExpr() };
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      this.i++;
      left = { type: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseNot();
    while (this.isKeyword('and')) {
      this.i++;
      left = { type: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Node {
    if (this.isKeyword('not')) {
      this.i++;
      return { type: 'not', operand: this.parseNot() };
    }
    return this.parseComparison();
  }

  private parseComparison(): Node {
    const first = this.parseArith();
    const rest: { op: CompareOp; right: Node }[] = [];
    for (;;) {
      let op: CompareOp;
      if (this.tok.kind === 'op' && COMPARE_OPS.has(this.tok.value)) {
        op = this.tok.value as CompareOp;
        this.i++;
      } else if (this.isKeyword('in')) {
        op = 'in';
        this.i++;
      } else if (this.isKeyword('not') && this.isKeyword('in', 1)) {
        op = 'not in';
        this.i += 2;
      } else if (this.isKeyword('is')) {
        this.i++;
        if (this.isKeyword('not')) {
          this.i++;
          op = 'is not';
        } else op = 'is';
      } else break;
      rest.push({ op, right: this.parseArith() });
    }
    return rest.length ? { type: 'compare', first, rest } : first;
  }

  private parseArith(): Node {
    let left = this.parseTerm();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.tok.value as BinaryOp;
      this.i++;
      left = { type: 'binary', op, left, right: this.parseTerm() };
    }
    return left;
  }

  private parseTerm(): Node {
    let left = this.parseFactor();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.tok.value as BinaryOp;
      this.i++;
      left = { type: 'binary', op, left, right: this.parseFactor() };
    }
    return left;
  }

  private parseFactor(): Node {
    if (this.isOp('-') || this.isOp('+')) {
      const type = this.tok.value === '-' ? 'neg' : 'pos';
      this.i++;
      return { type, operand: this.parseFactor() };
    }
    const base = this.parsePrimary();
    if (this.isOp('**')) {
      this.i++;
      return { type: 'binary', op: '**', left: base, right: this.parseFactor() };
    }
    return base;
  }

  private parsePrimary(): Node {
    let node = this.parseAtom();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const t = this.tok;
        if (t.kind !== 'name') this.fail(`expected an attribute name after \`.\`, found ${describe(t)}`);
        this.i++;
        node = { type: 'attr', object: node, name: t.value };
      } else if (this.isOp('(')) {
        this.i++;
        const args: Node[] = [];
        while (!this.isOp(')')) {
          if (this.tok.kind === 'name' && this.isOp('=', 1)) this.fail('keyword arguments are not supported');
          args.push(this.parseExpr());
          if (!this.isOp(',')) break;
          this.i++;
        }
        this.expectOp(')');
        node = { type: 'call', callee: node, args };
      } else if (this.isOp('[')) {
        this.i++;
        node = this.parseSubscript(node);
      } else return node;
    }
  }

  private parseSubscript(object: Node): Node {
    const part = (): Node | null => (this.isOp(':') || this.isOp(']') ? null : this.parseExpr());
    const lower = part();
    if (!this.isOp(':')) {
      if (!lower) this.fail('empty subscript');
      this.expectOp(']');
      return { type: 'index', object, index: lower };
    }
    this.i++;
    const upper = part();
    let step: Node | null = null;
    if (this.isOp(':')) {
      this.i++;
      step = part();
    }
    this.expectOp(']');
    return { type: 'slice', object, lower, upper, step };
  }

  private parseAtom(): Node {
    const t = this.tok;
    if (t.kind === 'number') {
      this.i++;
      const text = t.value.replace(/_/g, '');
      return { type: 'const', value: Number(text) };
    }
    if (t.kind === 'string') {
      // Adjacent literals concatenate, as in Python.
      let value = '';
      while (this.tok.kind === 'string') value += this.tokens[this.i++].value;
      return { type: 'const', value };
    }
    if (t.kind === 'name') {
      if (t.value === 'True' || t.value === 'False' || t.value === 'None') {
        this.i++;
        return { type: 'const', value: t.value === 'None' ? null : t.value === 'True' };
      }
      if (KEYWORDS.has(t.value)) this.fail(`unexpected keyword \`${t.value}\``);
      this.i++;
      return { type: 'name', name: t.value, pos: t.pos };
    }
    if (this.isOp('(')) {
      this.i++;
      if (this.isOp(')')) {
        this.i++;
        return { type: 'tuple', items: [] };
      }
      const inner = this.parseTestList();
      this.expectOp(')');
      return inner;
    }
    if (this.isOp('[')) {
      this.i++;
      const items: Node[] = [];
      while (!this.isOp(']')) {
        items.push(this.parseExpr());
        if (!this.isOp(',')) break;
        this.i++;
      }
      this.expectOp(']');
      return { type: 'list', items };
    }
    if (this.isOp('{')) {
      this.i++;
      const entries: [Node, Node][] = [];
      while (!this.isOp('}')) {
        const key = this.parseExpr();
        this.expectOp(':');
        entries.push([key, this.parseExpr()]);
        if (!this.isOp(',')) break;
        this.i++;
      }
      this.expectOp('}');
      return { type: 'dict', entries };
    }
    this.fail(t.kind === 'end' ? 'unexpected end of expression' : `unexpected ${describe(t)}`);
  }
}

function describe(t: Token): string {
  if (t.kind === 'end') return 'end of expression';
  if (t.kind === 'string') return `string '${t.value}'`;
  return `\`${t.value}\``;
}

const cache = new Map<string, Node>();

/** Parse an expression (cached: the same selectors repeat across thousands of recipes). */
export function parseExpression(expr: string): Node {
  let node = cache.get(expr);
  if (!node) {
    node = new Parser(expr, tokenize(expr)).parseTop();
    if (cache.size > 10_000) cache.clear();
    cache.set(expr, node);
  }
  return node;
}

/** Free names an expression reads (not attribute names), in order of appearance. */
export function freeNames(node: Node, out: string[] = []): string[] {
  switch (node.type) {
    case 'name':
      out.push(node.name);
      break;
    case 'list':
    case 'tuple':
      node.items.forEach((n) => freeNames(n, out));
      break;
    case 'dict':
      node.entries.forEach(([k, v]) => (freeNames(k, out), freeNames(v, out)));
      break;
    case 'and':
    case 'or':
    case 'binary':
      freeNames(node.left, out);
      freeNames(node.right, out);
      break;
    case 'not':
    case 'neg':
    case 'pos':
      freeNames(node.operand, out);
      break;
    case 'compare':
      freeNames(node.first, out);
      node.rest.forEach((r) => freeNames(r.right, out));
      break;
    case 'ifexp':
      freeNames(node.test, out);
      freeNames(node.body, out);
      freeNames(node.orelse, out);
      break;
    case 'attr':
      freeNames(node.object, out);
      break;
    case 'call':
      freeNames(node.callee, out);
      node.args.forEach((n) => freeNames(n, out));
      break;
    case 'index':
      freeNames(node.object, out);
      freeNames(node.index, out);
      break;
    case 'slice':
      freeNames(node.object, out);
      for (const n of [node.lower, node.upper, node.step]) if (n) freeNames(n, out);
      break;
    case 'const':
      break;
  }
  return out;
}
