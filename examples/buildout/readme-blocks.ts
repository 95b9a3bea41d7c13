// The root README shows the real output of commands on this example, in blocks marked
// `<!-- output: rebuild <args> -->` followed by a ```text fence. buildout.test.ts runs each command and
// compares its output with the block, modulo times and paths (normalizeOutput).
//   npx tsx examples/buildout/readme-blocks.ts [--work-dir DIR]   rewrites the blocks from the commands'
//   output (after `npx rebuild run`, so that status and why have a run to show)
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const README = join(ROOT, 'README.md');

const BLOCK = /<!-- output: rebuild ([^>]*?) -->\n```text\n([\s\S]*?)```\n/g;

export interface ReadmeBlock { args: string[]; text: string }

/** The marked blocks of the README, in order. */
export function readmeBlocks(readme = readFileSync(README, 'utf8')): ReadmeBlock[] {
  return [...readme.matchAll(BLOCK)].map((m) => ({ args: m[1].split(' ').filter(Boolean), text: m[2] }));
}

/** Output as the README shows it: the work dir as `.rebuild`, the checkout as `.`, times as `<time>`. */
export function normalizeOutput(text: string, workDir: string): string {
  return text
    .replaceAll(resolve(workDir), '.rebuild')
    .replaceAll(ROOT.replace(/\/$/, ''), '.')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\bin \d+(\.\d+)?(ms|s)\b/g, 'in <duration>')
    .replace(/[ \t]+$/gm, '');
}

/** Run `rebuild <args> --work-dir <workDir>` at the checkout's root; its stdout, normalized. */
export function commandOutput(args: string[], workDir: string): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/rebuild.js'), ...args, '--work-dir', workDir], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, CI: 'true', NO_COLOR: '1' },
  });
  return normalizeOutput(r.stdout, workDir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--work-dir');
  const workDir = resolve(ROOT, at > 0 ? process.argv[at + 1] : '.rebuild');
  const readme = readFileSync(README, 'utf8');
  writeFileSync(README, readme.replace(BLOCK, (_all, args: string) =>
    `<!-- output: rebuild ${args} -->\n\`\`\`text\n${commandOutput(args.split(' ').filter(Boolean), workDir)}\`\`\`\n`));
}
