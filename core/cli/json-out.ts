// `--json` output that may be larger than a JavaScript string can be (V8: ~512 MB): the plan of a
// real aggregate lists, per node, every reason it depends on another (17,000 for one node of a
// 1,300-recipe aggregate, 336 MB of JSON in all), and `JSON.stringify` of the whole throws
// "Invalid string length". The same bytes as `JSON.stringify(value, null, 2) + '\n'`, written in
// chunks: the outer `depth` levels of arrays and objects are walked here, each value below them is
// stringified alone, its lines indented to its place by JSON.stringify itself (see stringifyAt).

/** Chunks handed to `write` are about this size (a value larger than it goes alone). */
const CHUNK = 1 << 20;

export function writeJson(value: unknown, write: (text: string) => void, depth = 3): void {
  const out = chunked(write);
  walk(value, '', depth, out.put);
  out.put('\n');
  out.end();
}

/** Texts gathered and handed to `write` in chunks of about CHUNK; `end` hands over the rest. */
function chunked(write: (text: string) => void, first?: string): { put(text: string): void; end(): void } {
  const parts: string[] = first === undefined ? [] : [first];
  let size = 0;
  return {
    put(text) {
      parts.push(text);
      size += text.length;
      if (size >= CHUNK) {
        write(parts.join(''));
        parts.length = 0;
        size = 0;
      }
    },
    end() {
      if (parts.length) write(parts.join(''));
    },
  };
}

/**
 * An array written element by element, as they come (`rebuild render --all --json` prints each
 * recipe once it and those before it are rendered): the same bytes as writeJson of the whole array
 * at `depth`, each element handed to `write` in one piece (chunks of about CHUNK for a larger one).
 */
export function jsonArrayWriter(write: (text: string) => void, depth = 3): { push(value: unknown): void; end(): void } {
  let count = 0;
  return {
    push(value) {
      const out = chunked(write, count++ ? ',\n  ' : '[\n  ');
      // As in an array: what has no JSON form is null.
      if (value === undefined || typeof value === 'function' || typeof value === 'symbol') out.put('null');
      else walk(value, '  ', depth - 1, out.put);
      out.end();
    },
    end() {
      write(count ? '\n]\n' : '[]\n');
    },
  };
}

function walk(value: unknown, indent: string, depth: number, put: (text: string) => void): void {
  const plainObject = value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
  if (depth <= 0 || !(Array.isArray(value) || plainObject)) {
    put(indent && (Array.isArray(value) || plainObject) ? stringifyAt(value, indent.length >> 1) : JSON.stringify(value, null, 2));
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (!value.length) return put('[]');
    put('[');
    value.forEach((item, i) => {
      put(`${i ? ',' : ''}\n${inner}`);
      // As JSON.stringify does: what has no JSON form is null in an array.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') put('null');
      else walk(item, inner, depth - 1, put);
    });
    return put(`\n${indent}]`);
  }
  // ...and is left out of an object.
  const entries = Object.entries(value as object).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  if (!entries.length) return put('{}');
  put('{');
  entries.forEach(([key, v], i) => {
    put(`${i ? ',' : ''}\n${inner}${JSON.stringify(key)}: `);
    walk(v, inner, depth - 1, put);
  });
  put(`\n${indent}}`);
}

/**
 * JSON.stringify(value, null, 2) with every line after the first indented by `levels` × 2 spaces,
 * as it is when nested that deep: stringified inside `levels` arrays, whose own lines are cut off.
 * Half the CPU of stringifying it alone and indenting its lines with a replace (41 MB of
 * `render --all --json`: ~0.13 vs ~0.25 s). For plain objects and arrays only (a `toJSON` would be
 * called with the key '0').
 */
function stringifyAt(value: unknown, levels: number): string {
  let wrapped: unknown = value;
  for (let i = 0; i < levels; i++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  // Before it '[\n  ', '[\n    ', ...; after it ..., '\n  ]', '\n]': the sums of 2 + 2i for
  // i = 1..levels and for i = 0..levels - 1.
  return text.slice(levels * (levels + 3), text.length - levels * (levels + 1));
}
