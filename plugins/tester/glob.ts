// Path globs of recipe test sections (`package_contents`, `files`, `source_files`), as rattler-build
// reads them: `**` crosses folders, `*` and `?` stay within one, a trailing `/` means the folder's files.
const cache = new Map<string, RegExp>();

/** The glob as an anchored regular expression over `/`-separated relative paths. */
export function globRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  const g = glob.replace(/^\.\//, '').replace(/\/$/, '/**');
  let src = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      // `**/` matches zero or more folders; a final `**` anything below.
      const slash = g[i + 2] === '/';
      src += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else src += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`);
  cache.set(glob, re);
  return re;
}

export const matchesGlob = (path: string, glob: string): boolean => globRegExp(glob).test(path);
