// The secrets example, run the way a user runs it (`rebuild run`, `status`, `why`, `logs` in
// examples/secrets, with a token in the environment): the token never appears in what the commands
// print, in any file of the work dir (state.db and its WAL, logs, render cache) or in any file of the
// packages built; recipes and build scripts see only what the recipe lists and the config allows.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractPackage, readPackageInfoFiles } from '../../core/conda/read-package.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
// Characters that URL-encoding changes, so the encoded form (in the plugin's URL) is checked too.
const TOKEN = 'tkn/8f3a+9c2e=71';
const FORMS = [TOKEN, encodeURIComponent(TOKEN)];

function rebuild(args: string[]) {
  const env = { ...process.env, CI: 'true', MY_TOKEN: TOKEN, MY_REGION: 'eu-west', FEATURE_FLAG: 'on', UNLISTED_VAR: 'other' };
  const r = spawnSync(process.execPath, [join(root, 'bin/rebuild.js'), ...args], { cwd: here, encoding: 'utf8', env });
  return { code: r.status, text: r.stdout + r.stderr };
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Every file under `dir` that holds the token (any form), as bytes. */
function holders(dir: string): string[] {
  return files(dir).filter((f) => {
    const bytes = readFileSync(f);
    return FORMS.some((t) => bytes.includes(t));
  });
}

const packages = (workDir: string) => readdirSync(join(workDir, 'channel', 'linux-64')).filter((f) => f.endsWith('.tar.bz2')).sort();

async function about(workDir: string, file: string) {
  const info = await readPackageInfoFiles(join(workDir, 'channel', 'linux-64', file), ['info/about.json']);
  return JSON.parse(info.get('info/about.json')!.toString());
}

/** The files of every package, unpacked, that hold the token. */
async function packageHolders(workDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of packages(workDir)) {
    const dest = mkdtempSync(join(tmpdir(), 'rebuild-secrets-pkg-'));
    try {
      await extractPackage(join(workDir, 'channel', 'linux-64', f), dest);
      out.push(...holders(dest).map((p) => `${f}:${p.slice(dest.length)}`));
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  }
  return out;
}

const log = (workDir: string, name: string) => readFileSync(join(workDir, 'logs', 'linux-64', `${name}.log`), 'utf8');

const s = suite('examples/secrets', { workDir: '' });
s.before.each((ctx) => {
  ctx.workDir = mkdtempSync(join(tmpdir(), 'rebuild-secrets-'));
});
s.after.each((ctx) => rmSync(ctx.workDir, { recursive: true, force: true }));

s("a plugin's error quoting the token: redacted in run output, state.db, status, why, logs and the log file", async ({ workDir }) => {
  const run = rebuild(['run', '--work-dir', workDir]);
  assert.is(run.code, 1, run.text);
  assert.match(run.text, /leaky: FAILED \(build\) plugin example:remote-cache failed in hook run\.build\[linux-64\]: GET https:\/\/cache\.example\.org\/api\/linux-64\/leaky\?token=\[redacted\]: 401 Unauthorized \(token \[redacted\] expired\)/);
  const status = rebuild(['status', '--work-dir', workDir]);
  const why = rebuild(['why', 'leaky', '--work-dir', workDir]);
  const logs = rebuild(['logs', 'leaky', '--work-dir', workDir]);
  for (const [what, out] of [['run', run], ['status', status], ['why', why], ['logs', logs]] as const) {
    for (const t of FORMS) assert.not.ok(out.text.includes(t), `${what} printed the token:\n${out.text}`);
    assert.match(out.text, /token=\[redacted\]/, what);
  }
  assert.equal(holders(workDir), [], 'files of the work dir holding the token');
  assert.equal(await packageHolders(workDir), []);
});

s('recipes and builds see only what the recipe lists and the config allows; never the token', async ({ workDir }) => {
  rebuild(['run', '--work-dir', workDir]);
  assert.equal(packages(workDir).map((f) => f.split('-')[0]), ['envprobe', 'v1probe']);
  // Renders: meta.yaml environ / os.environ and recipe.yaml env.get see the allowed variables only.
  const [envprobe, v1probe] = packages(workDir);
  assert.equal(await about(workDir, envprobe), { summary: 'no token', description: 'feature on, region eu-west, other unset', license: 'MIT' });
  assert.equal(await about(workDir, v1probe), { summary: 'no token', description: 'feature on', license: 'MIT' });
  // Builds: script_env names that are allowed pass; the secret (even under the MY_* prefix) and
  // unlisted or unallowed names do not.
  const meta = log(workDir, 'envprobe');
  assert.match(meta, /^FEATURE_FLAG=on$/m);
  assert.match(meta, /^MY_REGION=eu-west$/m);
  assert.not.match(meta, /^(MY_TOKEN|UNLISTED_VAR)=/m);
  assert.match(meta, /script_env: not passed \(not allowed by the config's environment.allow\): MY_TOKEN UNLISTED_VAR/);
  const v1 = log(workDir, 'v1probe');
  assert.not.match(v1, /^(MY_TOKEN|MY_REGION|FEATURE_FLAG|UNLISTED_VAR)=/m);
  assert.match(v1, /script_env: not passed \(not allowed by the config's environment.allow\): MY_TOKEN/);
});

s('a config that passes the token (profile pass-token): the builds that list it get it, and it is still redacted everywhere', async ({ workDir }) => {
  const run = rebuild(['run', '--profile', 'pass-token', '--work-dir', workDir]);
  assert.is(run.code, 1, run.text);
  assert.match(log(workDir, 'envprobe'), /^MY_TOKEN=\[redacted\]$/m);
  assert.match(log(workDir, 'v1probe'), /^MY_TOKEN=\[redacted\]$/m);
  const [envprobe, v1probe] = packages(workDir);
  assert.is((await about(workDir, envprobe)).summary, '[redacted]');
  assert.is((await about(workDir, v1probe)).summary, '[redacted]');
  for (const t of FORMS) assert.not.ok(run.text.includes(t), run.text);
  assert.equal(holders(workDir), []);
  assert.equal(await packageHolders(workDir), []);
});

s.run();
