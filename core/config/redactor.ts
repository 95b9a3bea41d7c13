// The one redactor: every secret value this process knows, and the function every string that leaves
// the process passes (terminal, task logs, state.db, package metadata). Values are registered when a
// secret is read: an `env('X')` handle made or revealed while X is set, and the variables the config
// marks secret (`environment.secrets`). Matching is by exact substring, of the value and of its
// URL-encoded and JSON-escaped forms; values under MIN_SECRET_LENGTH characters are not registered
// (too ambiguous: they would redact ordinary words).
//
// The registry lives on globalThis: a config may load its own copy of core/config/secret.ts (tsx
// imports a fresh module per load), and its handles must feed the same redactor.

import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';

export const REDACTED = '[redacted]';
export const MIN_SECRET_LENGTH = 4;

interface Registry {
  /** Every form of every secret value, longest first (so a value inside another is not half-replaced). */
  forms: string[];
  /** Names of the variables known to hold secrets (env() handles, environment.secrets). */
  variables: Set<string>;
}

const KEY = Symbol.for('rebuild.redactor');

function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  return (g[KEY] ??= { forms: [], variables: new Set() });
}

/** The forms a value can take in text we write: as is, URL-encoded (both flavours), JSON-escaped. */
function formsOf(value: string): string[] {
  const forms = new Set([value, encodeURIComponent(value), encodeURI(value), JSON.stringify(value).slice(1, -1)]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Remember a secret value (ignored when shorter than MIN_SECRET_LENGTH). */
export function addSecretValue(value: string | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  const r = registry();
  let added = false;
  for (const f of formsOf(value)) {
    if (!r.forms.includes(f)) {
      r.forms.push(f);
      added = true;
    }
  }
  if (added) r.forms.sort((a, b) => b.length - a.length);
}

/** Remember that `variable` holds a secret, and its current value (when set). */
export function addSecretVariable(variable: string, env: NodeJS.ProcessEnv = process.env): void {
  registry().variables.add(variable);
  addSecretValue(env[variable]);
}

/** Names of the variables known to hold secrets. */
export function secretVariables(): ReadonlySet<string> {
  return registry().variables;
}

/** `text` with every known secret value replaced by [redacted]. */
export function redact(text: string): string {
  const { forms } = registry();
  if (!forms.length) return text;
  let out = text;
  for (const f of forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
  return out;
}

/** Whether any secret value is registered (so callers can skip building text to check). */
export function secretsKnown(): boolean {
  return registry().forms.length > 0;
}

/** Every registered form of every secret value, longest first (for another thread's redactor). */
export function secretForms(): readonly string[] {
  return registry().forms;
}

/**
 * Make this thread's registry hold exactly `forms` (`secretForms()` of the thread that knows the
 * secrets): a worker thread writing text another thread gave it redacts it the same way.
 */
export function setSecretForms(forms: readonly string[]): void {
  const r = registry();
  r.forms.length = 0;
  r.forms.push(...forms);
}

/** Whether `text` holds a known secret value. */
export function hasSecret(text: string): boolean {
  return registry().forms.some((f) => text.includes(f));
}

const WRAPPED = Symbol.for('rebuild.redactor.wrapped');

/**
 * Make `stream.write` redact what it writes (strings and byte chunks; each chunk on its own). Used by
 * the CLI on stdout and stderr, so command output, progress reporters and error messages all pass
 * the redactor. Idempotent.
 */
export function redactStream(stream: NodeJS.WritableStream & { [WRAPPED]?: true }): void {
  if (stream[WRAPPED]) return;
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (registry().forms.length) {
      if (typeof chunk === 'string') chunk = redact(chunk);
      else if (chunk instanceof Uint8Array) {
        const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
        if (hasSecret(text)) {
          chunk = redact(text);
          if (typeof rest[0] === 'string') rest[0] = 'utf8'; // the encoding given for the bytes
        }
      }
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
  stream[WRAPPED] = true;
}

/**
 * Redact what was appended to `file` from byte `offset` on (a command's output, which a runner
 * lets the child write straight into the log so stdout and stderr keep their order): rewritten in
 * place only when it holds a secret. Returns whether it did.
 */
export function redactFileFrom(file: string, offset: number): boolean {
  if (!registry().forms.length) return false;
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return false;
    const bytes = Buffer.alloc(size - offset);
    for (let at = 0; at < bytes.length; ) {
      const n = readSync(fd, bytes, at, bytes.length - at, offset + at);
      if (n === 0) break;
      at += n;
    }
    const text = bytes.toString('utf8');
    if (!hasSecret(text)) return false;
    const out = Buffer.from(redact(text));
    ftruncateSync(fd, offset);
    for (let at = 0; at < out.length; ) at += writeSync(fd, out, at, out.length - at, offset + at);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Forget every registered value and variable (tests). */
export function clearSecrets(): void {
  const r = registry();
  r.forms.length = 0;
  r.variables.clear();
}
