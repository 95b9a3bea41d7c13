// Solves already done, in the work dir: one file per (subdir, specs besides the name, channels in
// order with their index hashes), `<workDir>/cache/installability/<sha256>.json`, holding each
// package name's outcome. A channel whose index changed is another hash, so another file: nothing
// stale is ever read. Written atomically; an unreadable file is an empty cache.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../conda/atomic-write.ts';
import type { SolveOutcome } from './solve-pool.ts';

const VERSION = 1;

export function installabilityCacheDir(workDir: string): string {
  return join(workDir, 'cache', 'installability');
}

export class SolveCache {
  private readonly entries = new Map<string, SolveOutcome>();
  private changed = false;
  readonly file: string | null;

  /** `dir` null: a cache that remembers nothing (and writes nothing). */
  constructor(dir: string | null, key: { subdir: string; extraSpecs: string[]; channels: { channel: string; hash: string }[] }) {
    const id = createHash('sha256').update(JSON.stringify({ v: VERSION, ...key })).digest('hex');
    this.file = dir === null ? null : join(dir, `${id}.json`);
    if (!this.file) return;
    try {
      const stored = JSON.parse(readFileSync(this.file, 'utf8')) as { v: number; entries: Record<string, SolveOutcome> };
      if (stored.v === VERSION) for (const [name, outcome] of Object.entries(stored.entries)) this.entries.set(name, outcome);
    } catch {
      // missing or damaged: every solve runs again
    }
  }

  get(name: string): SolveOutcome | undefined {
    return this.entries.get(name);
  }

  set(name: string, outcome: SolveOutcome): void {
    this.entries.set(name, outcome);
    this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.file || !this.changed) return;
    mkdirSync(join(this.file, '..'), { recursive: true });
    const entries = Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await writeFileAtomic(this.file, `${JSON.stringify({ v: VERSION, entries })}\n`);
    this.changed = false;
  }
}
