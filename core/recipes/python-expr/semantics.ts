// Python value semantics shared by the selector evaluator (evaluate.ts) and the Jinja compatibility
// layer of meta.yaml (meta-yaml/jinja-compat.ts): str(), repr(), int(), truthiness and str.split /
// str.rsplit, written once so `# [int(x) > 1]` and `{{ int(x) }}` cannot disagree.
// Values map to JS: None → null/undefined, bool → boolean, int/float → number, str → string,
// list/tuple → array, dict → plain object or Map (minijinja hands its maps to callbacks as Maps).
// Function-valued properties of an object are its methods (`environ.get`), not dict items.
import { PythonEvalError } from './errors.ts';

export type PyValue = unknown;

/** A Python callable: builtins and bound methods. Plain JS functions in a namespace are callable too. */
export class PyCallable {
  constructor(
    readonly name: string,
    readonly fn: (args: PyValue[]) => PyValue,
  ) {}
}

const typeError = (detail: string) => new PythonEvalError('TypeError', detail);
const valueError = (detail: string) => new PythonEvalError('ValueError', detail);

const isFunction = (v: PyValue) => typeof v === 'function' || v instanceof PyCallable;

/** A dict given as a plain object (not a list, a Map or a callable); see `dictItems` for Maps too. */
export function isDict(v: PyValue): v is Record<string, PyValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyCallable) && !(v instanceof Map);
}

/** A dict's items in insertion order (a Map's too), or undefined for a non-dict; methods are not items. */
export function dictItems(v: PyValue): [PyValue, PyValue][] | undefined {
  if (v instanceof Map) return [...v];
  if (isDict(v)) return Object.entries(v).filter(([, x]) => !isFunction(x));
  return undefined;
}

export function typeName(v: PyValue): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (isFunction(v)) return 'function';
  return 'dict';
}

/** Python's bool(): None, False, 0, '', empty list and empty dict are false; NaN is true, as in Python. */
export function truthy(v: PyValue): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  const items = dictItems(v);
  if (items) return items.length > 0;
  return true;
}

/** Python's str(). */
export function pyStr(v: PyValue): string {
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

/** Python's repr(). */
export function pyRepr(v: PyValue): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return String(v);
  }
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  const items = dictItems(v);
  if (items) return `{${items.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return `<function ${v instanceof PyCallable ? v.name : 'function'}>`;
}

/** An int argument (bool counts as int, as in Python); `what` names it in the TypeError. */
export function toInt(v: PyValue, what: string): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw typeError(`${what} must be an integer, not ${typeName(v)}`);
}

/** A str argument; `what` names it in the TypeError. */
export function toStr(v: PyValue, what: string): string {
  if (typeof v !== 'string') throw typeError(`${what} must be str, not ${typeName(v)}`);
  return v;
}

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';
const PREFIX: Record<string, number> = { x: 16, o: 8, b: 2 };

/**
 * Python's int(x) and int(x, base): a number truncates; a string is parsed in `base` (2..36, or 0:
 * from its 0x/0o/0b prefix), with surrounding whitespace, a sign and single underscores between
 * digits, and anything else (`'12abc'`, `'1.5'`, `'1__0'`) a ValueError.
 */
export function pyInt(v: PyValue = 0, base?: PyValue): number {
  if (typeof v !== 'string') {
    if (base !== undefined) throw typeError("int() can't convert non-string with explicit base");
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw valueError(`cannot convert float ${pyRepr(v)} to integer`);
      return Math.trunc(v);
    }
    throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`);
  }
  const b = base === undefined ? 10 : toInt(base, "'base'");
  if (b !== 0 && (b < 2 || b > 36)) throw valueError('int() base must be >= 2 and <= 36, or 0');
  const invalid = () => valueError(`invalid literal for int() with base ${b}: ${pyRepr(v)}`);
  let text = v.trim().toLowerCase();
  const sign = text.startsWith('-') ? -1 : 1;
  if (/^[+-]/.test(text)) text = text.slice(1);
  let radix = b;
  const prefix = /^0([xob])_?/.exec(text);
  if (prefix && (b === 0 || b === PREFIX[prefix[1]])) {
    radix = PREFIX[prefix[1]];
    text = text.slice(prefix[0].length);
  } else if (b === 0) {
    radix = 10;
    if (/^0+_?[1-9]/.test(text)) throw invalid(); // int('010', 0): leading zeros are ambiguous
  }
  const digit = `[${DIGITS.slice(0, radix)}]`;
  if (!new RegExp(`^${digit}+(?:_${digit}+)*$`).test(text)) throw invalid();
  let n = 0;
  for (const c of text.replace(/_/g, '')) n = n * radix + DIGITS.indexOf(c);
  return sign * n;
}

/** Python's str.split / str.rsplit (`fromRight`) with an optional separator and maxsplit. */
export function pySplit(s: string, sep: PyValue, maxsplit: PyValue, fromRight: boolean): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : toInt(maxsplit, 'maxsplit');
  if (sep === undefined || sep === null) {
    const words = s.trim().split(/\s+/).filter(Boolean);
    if (max < 0 || words.length <= max + 1) return words;
    // Keep the remainder as Python does: its inner (and outer, on the far side) whitespace stays.
    const parts: string[] = [];
    let rest = fromRight ? s.trimEnd() : s.trimStart();
    for (let n = 0; n < max; n++) {
      const m = fromRight ? /\s+(\S+)$/.exec(rest) : /^(\S+)\s+/.exec(rest);
      if (!m) break;
      if (fromRight) {
        parts.unshift(m[1]);
        rest = rest.slice(0, m.index);
      } else {
        parts.push(m[1]);
        rest = rest.slice(m[0].length);
      }
    }
    return fromRight ? [rest, ...parts] : [...parts, rest];
  }
  const separator = toStr(sep, 'separator');
  if (!separator) throw valueError('empty separator');
  const all = s.split(separator);
  if (max < 0 || all.length <= max + 1) return all;
  return fromRight
    ? [all.slice(0, all.length - max).join(separator), ...all.slice(all.length - max)]
    : [...all.slice(0, max), all.slice(max).join(separator)];
}
