// One wheel from one source folder: the folder is copied into the task's scratch dir (setuptools
// writes build/ and *.egg-info next to the sources: never into the aggregate), then
// `python -m pip wheel --no-deps --no-build-isolation --no-index` builds it through `task.exec`
// (the host runner, or a container runner), offline, with SOURCE_DATE_EPOCH set: setuptools and
// wheel then write the same bytes for the same sources. The wheel is moved into the output channel.
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, delimiter, dirname, isAbsolute, join } from 'node:path';
import { BuildFailureError, type Artifact, type BuildTask } from 'rebuild';
import { buildTime } from 'rebuild/plugins/builder-script';
import { parseWheelName } from './pep503.ts';
import type { ProjectMeta } from './project.ts';

/** What a failed pip run's log says, and what to do about it. Each names the interpreter: `python3` on
 *  PATH may not be Debian's (pyenv, a venv), and installing the Debian package would then change nothing. */
const OTHER = 'or set wheelBuilder({ python }) to one that has';
const CAUSES: [RegExp, (python: string) => string][] = [
  [/No module named pip/, (py) => `${py} has no pip: install it (Debian: python3-pip) ${OTHER}`],
  [/invalid command 'bdist_wheel'/, (py) => `${py}: setuptools older than 70.1 needs the 'wheel' package to build wheels: install it for this python (Debian: python3-wheel) ${OTHER}`],
  [/No module named '?setuptools'?|Cannot import 'setuptools\.build_meta'/, (py) => `${py}: the project's build backend (setuptools) is not installed: install it (Debian: python3-setuptools) ${OTHER}; builds use no isolation and no network`],
];

/** An interpreter given as a name is looked up on rebuild's PATH (commands run with no inherited PATH). */
export function resolveInterpreter(python: string, path = process.env.PATH ?? ''): string | null {
  if (isAbsolute(python)) return existsSync(python) ? python : null;
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, python))) return join(dir, python);
  }
  return null;
}

async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).slice(-lines).join('\n');
}

export async function buildWheel(task: BuildTask, project: ProjectMeta, options: { python: string }): Promise<Artifact> {
  const dir = task.node.recipe!.dir;
  const python = resolveInterpreter(options.python);
  if (!python) throw new BuildFailureError(`${options.python}: no such interpreter on PATH: install python3, or set wheelBuilder({ python }) to its path`, 'build');
  const time = await buildTime(dir);
  task.log(`wheel-builder: ${project.name} ${project.version} from ${dir} with ${python}, SOURCE_DATE_EPOCH=${time.epoch} (${time.source})`);
  const src = join(task.workDir, 'src');
  const out = join(task.workDir, 'dist');
  await Promise.all([src, out].map((d) => rm(d, { recursive: true, force: true })));
  await mkdir(out, { recursive: true });
  await mkdir(join(task.workDir, 'home'), { recursive: true });
  // What an earlier local build left in the sources is not copied (it would end up in the wheel).
  const leftovers = new Set(['build', 'dist', '.git', '__pycache__']);
  await cp(dir, src, { recursive: true, filter: (p) => !leftovers.has(basename(p)) && !p.endsWith('.egg-info') });

  const res = await task.exec({
    argv: [python, '-m', 'pip', 'wheel', '--isolated', '--no-deps', '--no-build-isolation', '--no-index', '--no-cache-dir', '--disable-pip-version-check', '--wheel-dir', out, src],
    cwd: src,
    env: {
      PATH: `${dirname(python)}${delimiter}/usr/local/bin:/usr/bin:/bin`,
      HOME: join(task.workDir, 'home'),
      LANG: 'C.UTF-8',
      SOURCE_DATE_EPOCH: String(time.epoch),
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONHASHSEED: '0',
    },
    mounts: [{ path: task.workDir, mode: 'rw' }],
    network: false,
  });
  if (res.exitCode !== 0) {
    const log = await tail(task.logFile, 20);
    const cause = CAUSES.find(([re]) => re.test(log));
    const how = res.timedOut ? 'timed out' : res.signal ? `was killed by ${res.signal}` : `exited with ${res.exitCode}`;
    // A known cause is the message; otherwise the log's last lines are (as the script builder does).
    throw new BuildFailureError(`pip wheel ${how}${cause ? `: ${cause[1](python)}` : `; the log ends:\n${log}`}`, res.timedOut ? 'timeout' : res.cancelled ? 'cancelled' : 'build');
  }
  const wheels = (await readdir(out)).filter((f) => f.endsWith('.whl'));
  const parsed = wheels.map((f) => ({ f, w: parseWheelName(f) }));
  const mine = parsed.find((p) => p.w?.project === project.project);
  if (wheels.length !== 1 || !mine?.w) {
    throw new BuildFailureError(`pip wheel made ${wheels.join(', ') || 'no wheel'}; expected one wheel of ${project.project}`, 'build');
  }
  if (mine.w.version !== project.version) {
    throw new BuildFailureError(`${mine.f}: version ${mine.w.version}, but ${project.file} says ${project.version} (write it normalized, PEP 440)`, 'build');
  }
  const subdirDir = join(task.outputChannel, task.target.subdir);
  await mkdir(subdirDir, { recursive: true });
  const path = join(subdirDir, mine.f);
  await rename(join(out, mine.f), path);
  return { path, filename: mine.f, subdir: task.target.subdir, name: project.project, version: project.version, build: mine.w.tags, sha256: '', size: 0 };
}
