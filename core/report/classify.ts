// Failure classification: the config's `report.classes`, then the default set (classes.ts), each a
// regular expression over the lines of a failed package's log and its failure reason. The first
// rule (in that order) with a matching line wins; the class carries that line. Read at report time
// from the log the state database names, so changing the rules re-classifies every past failure.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import { DEFAULT_CLASSES, UNCLASSIFIED, type ClassRule } from './classes.ts';

export interface CompiledRule {
  name: string;
  regex: RegExp;
  stage?: string;
}

export interface Classification {
  /** The class name (a rule's name), or the engine's failure class / 'unclassified' when no rule matched. */
  class: string;
  /** The first line of the log (or the reason) the winning rule matched; null when none did. */
  line: string | null;
}

/** The rules in the order they are tried: the config's, then the defaults. A bad pattern is a config error naming it. */
export function compileRules(config: readonly ClassRule[] = [], configFile: string | null = null): CompiledRule[] {
  const compiled = config.map((rule, i) => {
    try {
      return { name: rule.name, regex: new RegExp(rule.pattern), ...(rule.stage ? { stage: rule.stage } : {}) };
    } catch (err) {
      throw ConfigError.of(configFile, `not a regular expression: ${(err as Error).message}; fix the pattern (JavaScript syntax, no slashes)`, null, `/report/classes/${i}/pattern`);
    }
  });
  return [...compiled, ...DEFAULT_CLASSES.map((r) => ({ name: r.name, regex: new RegExp(r.pattern), ...(r.stage ? { stage: r.stage } : {}) }))];
}

// Terminal colours and carriage-return progress lines: strip before matching.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function logLines(text: string): string[] {
  return text.split('\n').map((l) => {
    const cr = l.lastIndexOf('\r', l.length - 2);
    const line = cr >= 0 ? l.slice(cr + 1) : l;
    return (line.includes('\u001b') ? line.replace(ANSI, '') : line).replace(/\r$/, '');
  });
}

export interface FailureInput {
  /** The failure's stage (build, test, ...); 'build' when unknown. */
  stage?: string | null;
  /** The engine's failure class (build, timeout, network, ...). */
  failure?: string | null;
  /** The failure reason the state database holds (often the solver's or the builder's message). */
  reason?: string | null;
}

/** Classify from log lines (already split) and the failure's reason. */
export function classifyLines(lines: readonly string[], input: FailureInput, rules: readonly CompiledRule[]): Classification {
  const stage = input.stage ?? 'build';
  const all = input.reason ? [...lines, ...logLines(input.reason)] : lines;
  for (const rule of rules) {
    if (rule.stage && rule.stage !== stage) continue;
    for (const line of all) if (line && rule.regex.test(line)) return { class: rule.name, line: line.trim().slice(0, 500) };
  }
  const fallback = input.failure === 'timeout' ? 'timeout' : input.failure && input.failure !== 'build' ? input.failure : UNCLASSIFIED;
  return { class: fallback, line: null };
}

/** Logs are read from their end, at most this much: the error is at the end, a build log can be huge. */
export const LOG_TAIL_BYTES = 4 * 1024 * 1024;

/** The last `max` bytes of a file (from a line start), or '' when it cannot be read. */
export function readTail(path: string, max = LOG_TAIL_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, max);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const text = buf.toString('utf8');
    return length < size ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

/** Classify a failure from its log file (missing or unreadable: from the reason alone). */
export function classifyFailure(logPath: string | null, input: FailureInput, rules: readonly CompiledRule[]): Classification {
  const text = logPath ? readTail(logPath) : '';
  return classifyLines(text ? logLines(text) : [], input, rules);
}
