// Tree-walking evaluator for parsed selector expressions, with Python semantics where recipes
// depend on them: truthiness, `and`/`or` returning an operand and short-circuiting, chained
// comparisons, `in`, `is`, str/list/dict methods and a few builtins. Values map to JS:
// None → null, bool → boolean, int/float → number, str → string, list/tuple → array,
// dict → plain object (so `os.environ.get(...)` works on namespace objects as they are).
import { PythonEvalError } from './errors.ts';
import { parseExpression, type CompareOp, type Node } from './parse.ts';
import { PyCallable, isDict, pyInt, pyRepr, pySplit, pyStr, toInt, toStr, truthy, typeName, type PyValue } from './semantics.ts';

export interface EvalContext {
  ns: Record<string, unknown>;
  /** Called for a name the namespace does not define; the name then evaluates to False. */
  onUnknown?: (name: string) => void;
}

const typeError = (detail: string) => new PythonEvalError('TypeError', detail);
const valueError = (detail: string) => new PythonEvalError('ValueError', detail);

// Variant values are strings ("14") while selectors compare them with ints (`vc < 14`):
// conda-build converts integer-looking variant values to int. We keep strings and compare a
// numeric string with a number numerically, where Python would raise or answer False.
const NUMERIC = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function asNumber(v: PyValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

function numericPair(a: PyValue, b: PyValue): [number, number] | undefined {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined) return [x, y];
  if (x !== undefined && typeof b === 'string' && NUMERIC.test(b)) return [x, Number(b)];
  if (y !== undefined && typeof a === 'string' && NUMERIC.test(a)) return [Number(a), y];
  return undefined;
}

export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return a === b || (a ?? null) === (b ?? null);
  const nums = numericPair(a, b);
  if (nums) return nums[0] === nums[1];
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]));
  }
  return false;
}

/** Negative, zero or positive like Python's ordering; throws TypeError for unorderable types. */
function pyCompare(a: PyValue, b: PyValue, op: string): number {
  const nums = numericPair(a, b);
  if (nums) return nums[0] - nums[1];
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEquals(a[i], b[i])) return pyCompare(a[i], b[i], op);
    }
    return a.length - b.length;
  }
  throw typeError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

function pyContains(container: PyValue, item: PyValue): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw typeError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (isDict(container)) return Object.hasOwn(container, pyStr(item));
  throw typeError(`argument of type '${typeName(container)}' is not iterable`);
}

function compareOp(op: CompareOp, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case '<':
      return pyCompare(a, b, op) < 0;
    case '<=':
      return pyCompare(a, b, op) <= 0;
    case '>':
      return pyCompare(a, b, op) > 0;
    case '>=':
      return pyCompare(a, b, op) >= 0;
    case 'in':
      return pyContains(b, a);
    case 'not in':
      return !pyContains(b, a);
    case 'is':
      return (a ?? null) === (b ?? null);
    case 'is not':
      return (a ?? null) !== (b ?? null);
  }
}

export function iterate(v: PyValue): PyValue[] {
  if (typeof v === 'string') return [...v];
  if (Array.isArray(v)) return v;
  if (isDict(v)) return Object.keys(v);
  throw typeError(`'${typeName(v)}' object is not iterable`);
}

function arity(name: string, args: PyValue[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw typeError(`${name}() takes ${want} argument${max === 1 ? '' : 's'} (${args.length} given)`);
  }
}

// ------------------------------------------------------------------ builtins

function pyFloat(args: PyValue[]): number {
  arity('float', args, 0, 1);
  const [v = 0] = args;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const text = v.trim().replace(/_/g, '').toLowerCase();
    if (/^[+-]?(inf|infinity)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(text)) return NaN;
    if (NUMERIC.test(text)) return Number(text);
    throw valueError(`could not convert string to float: ${pyRepr(v)}`);
  }
  throw typeError(`float() argument must be a string or a number, not '${typeName(v)}'`);
}

function pyLen(args: PyValue[]): number {
  arity('len', args, 1, 1);
  const [v] = args;
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return Object.keys(v).length;
  throw typeError(`object of type '${typeName(v)}' has no len()`);
}

function minMax(name: string, args: PyValue[], sign: 1 | -1): PyValue {
  const items = args.length === 1 ? iterate(args[0]) : args;
  if (!items.length) throw valueError(`${name}() arg is an empty sequence`);
  return items.reduce((best, x) => (pyCompare(x, best, '<') * sign < 0 ? x : best));
}

const BUILTINS: Record<string, PyCallable> = Object.fromEntries(
  Object.entries<(args: PyValue[]) => PyValue>({
    int: (args) => (arity('int', args, 0, 2), pyInt(...args)),
    float: pyFloat,
    str: (args) => (arity('str', args, 0, 1), args.length ? pyStr(args[0]) : ''),
    bool: (args) => (arity('bool', args, 0, 1), args.length ? truthy(args[0]) : false),
    len: pyLen,
    list: (args) => (arity('list', args, 0, 1), args.length ? [...iterate(args[0])] : []),
    tuple: (args) => (arity('tuple', args, 0, 1), args.length ? [...iterate(args[0])] : []),
    sorted: (args) => (arity('sorted', args, 1, 1), [...iterate(args[0])].sort((a, b) => pyCompare(a, b, '<'))),
    min: (args) => minMax('min', args, 1),
    max: (args) => minMax('max', args, -1),
    abs: (args) => (arity('abs', args, 1, 1), Math.abs(asNumber(args[0]) ?? NaN)),
    any: (args) => (arity('any', args, 1, 1), iterate(args[0]).some(truthy)),
    all: (args) => (arity('all', args, 1, 1), iterate(args[0]).every(truthy)),
  }).map(([name, fn]) => [name, new PyCallable(name, fn)]),
);

// ------------------------------------------------------------------ methods

function stripChars(s: string, chars: PyValue, left: boolean, right: boolean): string {
  if (chars === undefined || chars === null) {
    return left && right ? s.trim() : left ? s.trimStart() : s.trimEnd();
  }
  const set = new Set(toStr(chars, 'strip arg'));
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.has(s[a])) a++;
  if (right) while (b > a && set.has(s[b - 1])) b--;
  return s.slice(a, b);
}

function format(s: string, args: PyValue[]): string {
  let auto = 0;
  return s.replace(/\{\{|\}\}|\{(\d*)\}/g, (m, index: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const i = index ? Number(index) : auto++;
    if (i >= args.length) throw new PythonEvalError('IndexError', `format index ${i} out of range`);
    return pyStr(args[i]);
  });
}

function strMethod(s: string, name: string): ((args: PyValue[]) => PyValue) | undefined {
  const affix = (test: (p: string) => boolean) => (args: PyValue[]) => {
    arity(name, args, 1, 1);
    const [p] = args;
    return Array.isArray(p) ? p.some((x) => test(toStr(x, `${name} arg`))) : test(toStr(p, `${name} arg`));
  };
  switch (name) {
    case 'startswith':
      return affix((p) => s.startsWith(p));
    case 'endswith':
      return affix((p) => s.endsWith(p));
    case 'lower':
      return () => s.toLowerCase();
    case 'upper':
      return () => s.toUpperCase();
    case 'title':
      return () => s.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase());
    case 'capitalize':
      return () => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
    case 'strip':
      return (args) => (arity(name, args, 0, 1), stripChars(s, args[0], true, true));
    case 'lstrip':
      return (args) => (arity(name, args, 0, 1), stripChars(s, args[0], true, false));
    case 'rstrip':
      return (args) => (arity(name, args, 0, 1), stripChars(s, args[0], false, true));
    case 'split':
      return (args) => (arity(name, args, 0, 2), pySplit(s, args[0], args[1], false));
    case 'rsplit':
      return (args) => (arity(name, args, 0, 2), pySplit(s, args[0], args[1], true));
    case 'replace':
      return (args) => {
        arity(name, args, 2, 3);
        const [from, to] = [toStr(args[0], 'replace arg 1'), toStr(args[1], 'replace arg 2')];
        const count = args[2] === undefined ? -1 : toInt(args[2], 'count');
        const parts = s.split(from);
        if (count < 0 || parts.length - 1 <= count) return parts.join(to);
        return parts.slice(0, count + 1).join(to) + from + parts.slice(count + 1).join(from);
      };
    case 'join':
      return (args) => (arity(name, args, 1, 1), iterate(args[0]).map((x) => toStr(x, 'join item')).join(s));
    case 'format':
      return (args) => format(s, args);
    case 'find':
      return (args) => (arity(name, args, 1, 1), s.indexOf(toStr(args[0], 'find arg')));
    case 'count':
      return (args) => (arity(name, args, 1, 1), s.split(toStr(args[0], 'count arg')).length - 1);
    case 'isdigit':
      return () => /^\d+$/.test(s);
    case 'isalpha':
      return () => /^[A-Za-z]+$/.test(s);
    case 'isalnum':
      return () => /^[A-Za-z0-9]+$/.test(s);
    default:
      return undefined;
  }
}

function listMethod(list: PyValue[], name: string): ((args: PyValue[]) => PyValue) | undefined {
  switch (name) {
    case 'index':
      return (args) => {
        arity(name, args, 1, 1);
        const i = list.findIndex((x) => pyEquals(x, args[0]));
        if (i < 0) throw valueError(`${pyRepr(args[0])} is not in list`);
        return i;
      };
    case 'count':
      return (args) => (arity(name, args, 1, 1), list.filter((x) => pyEquals(x, args[0])).length);
    default:
      return undefined;
  }
}

function dictMethod(dict: Record<string, PyValue>, name: string): ((args: PyValue[]) => PyValue) | undefined {
  switch (name) {
    case 'get':
      return (args) => {
        arity(name, args, 1, 2);
        const key = pyStr(args[0]);
        return Object.hasOwn(dict, key) && dict[key] !== undefined ? dict[key] : (args[1] ?? null);
      };
    case 'keys':
      return () => Object.keys(dict);
    case 'values':
      return () => Object.values(dict);
    case 'items':
      return () => Object.entries(dict);
    default:
      return undefined;
  }
}

function getAttr(obj: PyValue, name: string): PyValue {
  let method: ((args: PyValue[]) => PyValue) | undefined;
  if (typeof obj === 'string') method = strMethod(obj, name);
  else if (Array.isArray(obj)) method = listMethod(obj, name);
  else if (isDict(obj)) {
    method = dictMethod(obj, name);
    // Module-like objects (`os.environ`): attributes are the object's own keys.
    if (!method && Object.hasOwn(obj, name)) return obj[name];
  }
  if (method) return new PyCallable(name, method);
  throw new PythonEvalError('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`);
}

// ------------------------------------------------------------------ subscripts and arithmetic

function getIndex(obj: PyValue, index: PyValue): PyValue {
  if (typeof obj === 'string' || Array.isArray(obj)) {
    const items = typeof obj === 'string' ? [...obj] : obj;
    const i = toInt(index, 'indices');
    const at = i < 0 ? items.length + i : i;
    if (at < 0 || at >= items.length) throw new PythonEvalError('IndexError', `${typeName(obj)} index out of range`);
    return items[at];
  }
  if (isDict(obj)) {
    const key = pyStr(index);
    if (!Object.hasOwn(obj, key)) throw new PythonEvalError('KeyError', pyRepr(index));
    return obj[key];
  }
  throw typeError(`'${typeName(obj)}' object is not subscriptable`);
}

function getSlice(obj: PyValue, lower: PyValue, upper: PyValue, stepValue: PyValue): PyValue {
  if (typeof obj !== 'string' && !Array.isArray(obj)) throw typeError(`'${typeName(obj)}' object is not subscriptable`);
  const items: PyValue[] = typeof obj === 'string' ? [...obj] : obj;
  const n = items.length;
  const step = stepValue === null ? 1 : toInt(stepValue, 'slice step');
  if (step === 0) throw valueError('slice step cannot be zero');
  // Python's slice.indices(): clamp to the sequence, defaults depend on the step's sign.
  const bound = (v: PyValue, dflt: number): number => {
    if (v === null) return dflt;
    let i = toInt(v, 'slice indices');
    if (i < 0) i += n;
    return step > 0 ? Math.min(Math.max(i, 0), n) : Math.min(Math.max(i, -1), n - 1);
  };
  const start = bound(lower, step > 0 ? 0 : n - 1);
  const stop = bound(upper, step > 0 ? n : -1);
  const out: PyValue[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(items[i]);
  return typeof obj === 'string' ? out.join('') : out;
}

function arithmetic(op: string, a: PyValue, b: PyValue): PyValue {
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  }
  if (op === '*') {
    if (typeof a === 'string' && asNumber(b) !== undefined) return a.repeat(Math.max(0, toInt(b, 'count')));
    if (typeof b === 'string' && asNumber(a) !== undefined) return b.repeat(Math.max(0, toInt(a, 'count')));
  }
  const x = asNumber(a);
  const y = asNumber(b);
  if (x === undefined || y === undefined) {
    throw typeError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
  }
  if ((op === '/' || op === '//' || op === '%') && y === 0) {
    throw new PythonEvalError('ZeroDivisionError', 'division by zero');
  }
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '//':
      return Math.floor(x / y);
    case '%':
      return ((x % y) + y) % y;
    default:
      return x ** y;
  }
}

function call(callee: PyValue, args: PyValue[]): PyValue {
  if (callee instanceof PyCallable) return callee.fn(args);
  if (typeof callee === 'function') return (callee as (...a: PyValue[]) => PyValue)(...args);
  throw typeError(`'${typeName(callee)}' object is not callable`);
}

// ------------------------------------------------------------------ evaluation

const PY_XY = /^py([23])(\d{1,2})$/;

function lookup(name: string, ctx: EvalContext): PyValue {
  if (Object.hasOwn(ctx.ns, name) && ctx.ns[name] !== undefined) return ctx.ns[name];
  if (Object.hasOwn(BUILTINS, name)) return BUILTINS[name];
  // Every pyXY name is known: true for the target python only (conda-build defines a few fixed ones).
  const m = PY_XY.exec(name);
  if (m && typeof ctx.ns.py === 'number') return ctx.ns.py === Number(m[1] + m[2]);
  ctx.onUnknown?.(name);
  return false;
}

function evalNode(node: Node, ctx: EvalContext): PyValue {
  switch (node.type) {
    case 'const':
      return node.value;
    case 'name':
      return lookup(node.name, ctx);
    case 'list':
    case 'tuple':
      return node.items.map((n) => evalNode(n, ctx));
    case 'dict': {
      const out: Record<string, PyValue> = {};
      for (const [k, v] of node.entries) out[pyStr(evalNode(k, ctx))] = evalNode(v, ctx);
      return out;
    }
    case 'and': {
      const left = evalNode(node.left, ctx);
      return truthy(left) ? evalNode(node.right, ctx) : left;
    }
    case 'or': {
      const left = evalNode(node.left, ctx);
      return truthy(left) ? left : evalNode(node.right, ctx);
    }
    case 'not':
      return !truthy(evalNode(node.operand, ctx));
    case 'neg':
    case 'pos': {
      const v = evalNode(node.operand, ctx);
      const x = asNumber(v);
      if (x === undefined) throw typeError(`bad operand type for unary ${node.type === 'neg' ? '-' : '+'}: '${typeName(v)}'`);
      return node.type === 'neg' ? -x : x;
    }
    case 'binary':
      return arithmetic(node.op, evalNode(node.left, ctx), evalNode(node.right, ctx));
    case 'compare': {
      // `a < b < c` is `a < b and b < c` with b evaluated once.
      let left = evalNode(node.first, ctx);
      for (const { op, right } of node.rest) {
        const value = evalNode(right, ctx);
        if (!compareOp(op, left, value)) return false;
        left = value;
      }
      return true;
    }
    case 'ifexp':
      return truthy(evalNode(node.test, ctx)) ? evalNode(node.body, ctx) : evalNode(node.orelse, ctx);
    case 'attr':
      return getAttr(evalNode(node.object, ctx), node.name);
    case 'call':
      return call(
        evalNode(node.callee, ctx),
        node.args.map((n) => evalNode(n, ctx)),
      );
    case 'index':
      return getIndex(evalNode(node.object, ctx), evalNode(node.index, ctx));
    case 'slice':
      return getSlice(
        evalNode(node.object, ctx),
        node.lower ? evalNode(node.lower, ctx) : null,
        node.upper ? evalNode(node.upper, ctx) : null,
        node.step ? evalNode(node.step, ctx) : null,
      );
  }
}

/**
 * Evaluate a Python expression (text or parsed) against a namespace. Throws PythonSyntaxError
 * or PythonEvalError; unknown names are False and reported through `onUnknown`.
 */
export function evaluate(expr: string | Node, ns: Record<string, unknown>, onUnknown?: (name: string) => void): PyValue {
  const node = typeof expr === 'string' ? parseExpression(expr) : expr;
  return evalNode(node, { ns, onUnknown });
}
