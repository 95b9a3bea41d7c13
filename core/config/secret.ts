// Secrets come from the environment only. `env('ANACONDA_TOKEN')` is a handle that reads the
// variable when used and prints as [redacted] everywhere else (JSON, logs, inspect). Making or
// revealing a handle registers the variable and its value with the redactor (redactor.ts), so the
// value is scrubbed from every string the process writes, even one a plugin built from it.
import { inspect } from 'node:util';
import { REDACTED, addSecretValue, addSecretVariable } from './redactor.ts';

export class Secret {
  constructor(readonly variable: string) {
    addSecretVariable(variable);
  }

  /** The secret's value; throws when the variable is unset. */
  reveal(): string {
    const value = process.env[this.variable];
    if (value === undefined || value === '') throw new Error(`environment variable ${this.variable} is not set`);
    addSecretValue(value);
    return value;
  }

  isSet(): boolean {
    return !!process.env[this.variable];
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return `${REDACTED} (env ${this.variable})`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

export function env(variable: string): Secret {
  return new Secret(variable);
}
