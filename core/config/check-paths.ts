// Paths a resolved config names must exist: the aggregate folders, the extra variant files, the
// recipes of extraVersions (named, or their default <aggregate>/<name>-<version>-feedstock), and local channels. Checked by `rebuild validate` and
// before a command reads them, so a typo is one located line (file: /json/pointer: what to do),
// never a stack trace from deep inside discovery or a plugin.
import { statSync } from 'node:fs';
import type { ResolvedConfig } from './resolved.ts';
import { displayPath, type ConfigIssue } from './errors.ts';
import { channelDir } from '../conda/repodata-read.ts';
import { extraVersionPath } from '../graph/extra-versions.ts';

type Kind = 'dir' | 'file' | 'any';

function kindOf(path: string): 'dir' | 'file' | null {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

/** One issue per configured path that does not exist (or is a file where a folder is needed). */
export function configPathIssues(config: ResolvedConfig): ConfigIssue[] {
  const file = config.configFile ? displayPath(config.configFile) : null;
  const issues: ConfigIssue[] = [];
  const check = (pointer: string, path: string, want: Kind, todo: string) => {
    const found = kindOf(path);
    let problem: string | null = null;
    if (!found) problem = `${displayPath(path)} does not exist`;
    else if (want !== 'any' && found !== want) problem = `${displayPath(path)} is a ${found}, not a ${want === 'dir' ? 'folder' : 'file'}`;
    if (problem) issues.push({ file, profile: null, path: pointer, message: `${problem}; ${todo}` });
  };
  const relative = 'fix the path (relative to the config file)';
  config.aggregates.forEach((a, i) =>
    check(config.aggregates.length > 1 ? `/aggregate/${i}` : '/aggregate', a, 'dir', `${relative} or check out the aggregate there`),
  );
  config.variantConfigs.forEach((v, i) => check(`/variantConfigs/${i}`, v, 'file', relative));
  for (const [name, list] of Object.entries(config.extraVersions)) {
    list.forEach((e, i) => {
      if (e.recipe) check(`/extraVersions/${name}/${i}/recipe`, e.recipe, 'any', `${relative} to the recipe (or feedstock) folder of ${name} ${e.version}`);
      // No recipe given: the default folder, once the aggregates themselves exist (else that is the issue).
      else if (config.aggregates.every((a) => kindOf(a) === 'dir')) {
        check(`/extraVersions/${name}/${i}`, extraVersionPath(config, name, e), 'any', `check out ${name} ${e.version} there, or set its \`recipe\``);
      }
    });
  }
  const channels = config.channels;
  const local = (key: string, c: string | null, pointer = `/channels/${key}`) => {
    if (!c) return;
    let dir: string | null;
    try {
      dir = channelDir(c); // null for an http(s) URL: nothing to check here
    } catch (err) {
      issues.push({ file, profile: null, path: pointer, message: `${(err as Error).message}; use a folder, file:// or http(s) URL` });
      return;
    }
    if (dir) check(pointer, dir, 'dir', `${relative}, or create the folder (an empty folder is an empty channel)`);
  };
  local('reference', channels.reference);
  local('target', channels.target);
  channels.build.forEach((c, i) => local('build', c, `/channels/build/${i}`));
  local('staging', channels.staging);
  local('production', channels.production);
  return issues;
}
