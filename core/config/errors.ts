// Config errors are for humans: each issue names the file, the profile and the JSON path at fault.
import { relative, isAbsolute } from 'node:path';
import { UserError } from '../model/errors.ts';
import { EXIT } from '../engine/exit-codes.ts';

/** One problem found in a config: where (file, profile, JSON pointer) and what. */
export interface ConfigIssue {
  /** Config file as shown to the user (relative to the working dir when inside it), or null for code. */
  file: string | null;
  /** The profile the offending value came from, or null for the base config. */
  profile: string | null;
  /** JSON pointer inside that profile (or the base config), e.g. `/arches/0`; '' for the whole object. */
  path: string;
  message: string;
  /** The problem is a command-line flag's value (--arch, --profile, --concurrency, --work-dir): a usage error. */
  cli?: boolean;
}

export function formatIssue(issue: ConfigIssue): string {
  let where = issue.file ?? '';
  if (issue.profile !== null) where += `${where ? ' ' : ''}(profile ${issue.profile})`;
  const head = where ? `${where}: ` : '';
  return `${head}${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

/**
 * A config could not be found, loaded, resolved or validated. The CLI prints the message and exits
 * 78 (EX_CONFIG), or 64 (EX_USAGE) when every issue is a command-line flag's value.
 */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'), issues.length && issues.every((i) => i.cli) ? EXIT.USAGE : EXIT.CONFIG);
  }

  static of(file: string | null, message: string, profile: string | null = null, path = ''): ConfigError {
    return new ConfigError([{ file, profile, path, message }]);
  }
}

/** How a config file is named in messages: relative to `cwd` when inside it, else absolute. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
