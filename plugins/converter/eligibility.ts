// Which packages may be converted to another platform instead of built there (as `conda convert`
// decides): none with compiled code, none whose requirements depend on the platform. Two checks:
// - plan time (`nodeEligibility`): the node's rendering for the target against the source arch's
//   (selectors are resolved by then: a requirement that differs is a platform-specific one), its
//   compiler/stdlib variant keys, noarch, bootstrap builds;
// - build time (`contentProblems`): the source arch's package itself — compiled files by name
//   (.so, .dylib, .dll, .pyd, .exe, ...) or by their first bytes (ELF, Mach-O, PE), binary prefix
//   placeholders, virtual-package requirements (`__linux`, `__win`, `__osx`, ...), and the files the
//   other platform has no form for (shell scripts on Windows, .bat on Unix, symlinks on Windows).
import type { PackageNode, RenderedVariant } from '../../core/model/types.ts';
import type { IndexJson, PathEntry } from '../../core/conda/package-types.ts';

export const isWindows = (subdir: string): boolean => subdir.startsWith('win-');

/** Names of compiled code: shared objects (versioned too), libraries, objects, executables, extension modules. */
const COMPILED_NAME = /\.(so(\.\d+)*|dylib|dll|pyd|exe|a|lib|o|obj)$/i;

/** First bytes of compiled files: ELF, Mach-O (32/64-bit, both byte orders, fat), PE (`MZ`). */
const MAGIC: readonly [string, Buffer][] = [
  ['ELF', Buffer.from([0x7f, 0x45, 0x4c, 0x46])],
  ['Mach-O', Buffer.from([0xfe, 0xed, 0xfa, 0xce])],
  ['Mach-O', Buffer.from([0xfe, 0xed, 0xfa, 0xcf])],
  ['Mach-O', Buffer.from([0xce, 0xfa, 0xed, 0xfe])],
  ['Mach-O', Buffer.from([0xcf, 0xfa, 0xed, 0xfe])],
  ['Mach-O (fat)', Buffer.from([0xca, 0xfe, 0xba, 0xbe])],
  ['PE', Buffer.from('MZ')],
];

/** The kind of compiled file `head` (a file's first bytes) starts like, or null. */
export function compiledMagic(head: Buffer): string | null {
  for (const [kind, magic] of MAGIC) if (head.length >= magic.length && head.subarray(0, magic.length).equals(magic)) return kind;
  return null;
}

/** pip's (distlib's) header when the interpreter's path is too long for `#!` (a build's placeholder
 *  prefix) or holds spaces: `#!/bin/sh`, `'''exec' "<python>" "$0" "$@"`, `' '''` (one string to Python). */
const SH_EXEC_HEADER = /^#!\/bin\/sh\n'''exec' [^\n]*python[^\n]*\n' '''\n/;

/** The lines of a Python script's interpreter header (`#!…python…`, or pip's 3-line `#!/bin/sh` form);
 *  0 when `data` is not a Python script (an entry point pip wrote, or the recipe's). */
export function pythonHeaderLines(data: Buffer): number {
  const head = data.subarray(0, Math.min(data.length, 4096)).toString('latin1');
  if (SH_EXEC_HEADER.test(head)) return 3;
  const end = head.indexOf('\n');
  const first = end < 0 ? head.slice(0, 256) : head.slice(0, end);
  return first.startsWith('#!') && /python/.test(first) ? 1 : 0;
}

/** A Python script: `#!…python…` on the first line, or pip's `#!/bin/sh` + `'''exec'` header. */
export function isPythonScript(data: Buffer): boolean {
  return pythonHeaderLines(data) > 0;
}

/** Scripts of one shell family: each platform's activation and link scripts have no form on the other. */
const UNIX_SCRIPT = /\.(sh|bash|csh|fish|zsh)$/;
const WINDOWS_SCRIPT = /\.(bat|cmd|ps1)$/i;

export interface ContentFile {
  /** Path in the package (not under info/). */
  name: string;
  type: 'file' | 'symlink' | 'link' | 'directory';
  /** The file's first bytes (files only). */
  head?: Buffer;
  /** The whole content, for files whose form changes (bin/ scripts): read when needed. */
  python?: boolean;
}

export interface ContentOptions {
  from: string;
  to: string;
  /** unix → win: `bat` writes Scripts/<name>-script.py and a .bat launcher; `refuse` converts no package with bin/ entries. */
  windowsEntryPoints: 'bat' | 'refuse';
}

/** The first `limit` reasons a package may not be converted from `from` to `to` (empty: it may). */
export function contentProblems(index: IndexJson, paths: PathEntry[] | null, files: ContentFile[], opts: ContentOptions, limit = 5): string[] {
  const out: string[] = [];
  const add = (reason: string) => void (out.length < limit && out.push(reason));
  if (index.noarch) add(`noarch: ${index.noarch} (one package serves every platform; nothing to convert)`);
  if (index.subdir !== opts.from) add(`info/index.json says subdir ${index.subdir}, not ${opts.from}`);
  if (!paths) add('no info/paths.json (a package older than paths_version 1)');
  for (const dep of [...(index.depends ?? []), ...(index.constrains ?? [])]) {
    const name = dep.trim().split(/[\s=<>!~]/)[0];
    if (name.startsWith('__')) add(`requirement '${dep}' is a virtual package of one platform`);
  }
  for (const p of paths ?? []) {
    if (p.file_mode === 'binary') add(`${p._path}: holds the build prefix in binary form (compiled code)`);
  }
  const toWin = isWindows(opts.to);
  const fromWin = isWindows(opts.from);
  for (const f of files) {
    if (f.type === 'directory') continue;
    if (COMPILED_NAME.test(f.name)) {
      add(`${f.name}: compiled file (${f.name.slice(f.name.lastIndexOf('.'))})`);
      continue;
    }
    const magic = f.head ? compiledMagic(f.head) : null;
    if (magic) {
      add(`${f.name}: compiled file (${magic} header)`);
      continue;
    }
    if (toWin && f.type === 'symlink') add(`${f.name}: a symbolic link (Windows packages hold none)`);
    if (toWin && !fromWin && UNIX_SCRIPT.test(f.name)) add(`${f.name}: a Unix shell script (no Windows form)`);
    if (fromWin && !toWin && WINDOWS_SCRIPT.test(f.name)) add(`${f.name}: a Windows script (no Unix form)`);
    if (toWin && !fromWin && f.name.startsWith('bin/')) {
      if (!f.python) add(`${f.name}: not a Python script (only Python entry points have a Windows form)`);
      else if (opts.windowsEntryPoints === 'refuse') add(`${f.name}: an entry point, and convert.windowsEntryPoints is 'refuse'`);
    }
    if (fromWin && !toWin && f.name.startsWith('Scripts/')) add(`${f.name}: a Windows entry point (its launcher has no Unix form)`);
  }
  return out;
}

/** Variant keys that make a build's output platform-specific (compiler('c'), stdlib('c')). */
const PLATFORM_KEY = /^(.+)_(compiler|stdlib)$/;

/** The requirements of one rendering, keyed for comparison: `<output> <section>` → specs (each through `spec`). */
function requirementSets(variants: readonly RenderedVariant[], spec: (s: string) => string = (s) => s): Map<string, string[]> {
  const out = new Map<string, string[]>();
  variants.forEach((v, i) => {
    for (const o of v.outputs) {
      const prefix = `${variants.length > 1 ? `variant ${i + 1} ` : ''}${o.name}`;
      out.set(`${prefix} version`, [o.version]);
      for (const section of ['build', 'host', 'run', 'run_constrained'] as const) out.set(`${prefix} ${section}`, o.requirements[section].map(spec).sort());
    }
  });
  return out;
}

/**
 * `spec` with its build string replaced when it pins an exact build listed in `builds`
 * (`<name>-<version>-<build>` → build): a sibling output pinned exactly (`pin_subpackage(…, exact=True)`
 * renders `flit-core 3.9.0 py313h…_0`) names the other platform's build of that output.
 */
export function renameBuild(spec: string, builds: ReadonlyMap<string, string>): string {
  const parts = spec.trim().split(/\s+/);
  if (parts.length !== 3) return spec;
  const build = builds.get(parts.join('-'));
  return build === undefined ? spec : `${parts[0]} ${parts[1]} ${build}`;
}

export type NodeEligibility =
  | { ok: false; reason: string }
  /**
   * `builds`: `<name>-<version>-<build on from>` → the build string the target renders. They differ
   * when the build string's hash covers the platform (rattler-build hashes `target_platform` into
   * every non-noarch output's): the converted package takes the target's, as its own build would.
   */
  | { ok: true; builds: Map<string, string> };

/**
 * Whether `node` (on its target) may be made from `source` (the same node on arch `from`): not when
 * it is a bootstrap build, has compiler/stdlib keys or noarch outputs, or renders other outputs,
 * versions or requirements there (the first difference is the reason). Build strings may differ,
 * and so may exact pins of the node's own outputs (compared as the same output's build).
 */
export function nodeEligibility(node: PackageNode, source: PackageNode | undefined, from: string): NodeEligibility {
  const no = (reason: string): NodeEligibility => ({ ok: false, reason });
  if (!source) return no(`not planned on ${from}`);
  if (source.status !== 'planned') return no(`not built on ${from} (${source.status}${source.reason ? `: ${source.reason}` : ''})`);
  if (node.bootstrap) return no('a bootstrap build');
  if (!node.recipe) return no('no recipe');
  for (const v of node.variants) {
    const key = Object.keys(v.variant).map((k) => k.match(PLATFORM_KEY)).find(Boolean);
    if (key) return no(`compiled: the recipe uses ${key[2]}('${key[1]}')`);
    for (const o of v.outputs) if (o.noarch) return no(`noarch: ${o.noarch} output ${o.name}`);
  }
  // The target's build strings of the same outputs (variant by variant), to compare exact sibling pins.
  const back = new Map<string, string>();
  const builds = new Map<string, string>();
  source.variants.forEach((v, i) => {
    for (const o of v.outputs) {
      const mineOut = node.variants[i]?.outputs.find((x) => x.name === o.name && x.version === o.version);
      if (!mineOut) continue;
      back.set(`${o.name}-${o.version}-${mineOut.build}`, o.build);
      builds.set(`${o.name}-${o.version}-${o.build}`, mineOut.build);
    }
  });
  const mine = requirementSets(node.variants, (spec) => renameBuild(spec, back));
  const theirs = requirementSets(source.variants);
  for (const key of new Set([...theirs.keys(), ...mine.keys()])) {
    const a = theirs.get(key);
    const b = mine.get(key);
    if (!a || !b) return no(`outputs differ from ${from}'s: ${key.split(' ').slice(0, -1).join(' ')} only on ${a ? from : node.target.subdir}`);
    const added = b.filter((s) => !a.includes(s));
    const removed = a.filter((s) => !b.includes(s));
    if (added.length || removed.length) {
      const what = [...added.map((s) => `${s} only on ${node.target.subdir}`), ...removed.map((s) => `${s} only on ${from}`)].join(', ');
      return no(`platform-specific ${key}: ${what}`);
    }
  }
  return { ok: true, builds };
}
