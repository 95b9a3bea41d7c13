// The virtual packages a target system provides (conda's `__unix`, `__linux`, `__glibc`, `__osx`,
// `__win`, `__archspec`), for solves whose packages require them (a compiler's run_exports add
// `__glibc >=2.17`). For this machine's own platform the versions are this machine's (as conda
// detects them); for another platform (and for macOS's version), fixed defaults like conda's CONDA_OVERRIDE_*.
import { release } from 'node:os';
import type { VirtualPackage } from './solve.ts';

/** Versions used for a platform this machine is not (conda's CONDA_OVERRIDE_* style defaults). */
const DEFAULTS = { linux: '5.10', glibc: '2.28', osx: '11.0' };

const ARCHSPEC: Record<string, string> = { '64': 'x86_64', aarch64: 'aarch64', ppc64le: 'ppc64le', s390x: 's390x', arm64: 'arm64', '32': 'x86' };

function hostGlibc(): string | null {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? null;
}

/** `6.18.44-fc-v1272` → `6.18.44` (conda keeps the numeric part of the kernel release). */
const numericRelease = (r: string) => r.match(/^\d+(\.\d+)*/)?.[0] ?? DEFAULTS.linux;

/** The virtual packages of `subdir`; `noarch` has none. */
export function virtualPackagesFor(subdir: string): VirtualPackage[] {
  const [platform, arch = ''] = subdir.split('-');
  const archspec = ARCHSPEC[arch] ? [{ name: '__archspec', version: '1', build: ARCHSPEC[arch] }] : [];
  const onHost = (p: NodeJS.Platform) => process.platform === p;
  switch (platform) {
    case 'linux':
      return [
        { name: '__unix', version: '0', build: '0' },
        { name: '__linux', version: onHost('linux') ? numericRelease(release()) : DEFAULTS.linux, build: '0' },
        { name: '__glibc', version: (onHost('linux') && hostGlibc()) || DEFAULTS.glibc, build: '0' },
        ...archspec,
      ];
    case 'osx':
      // os.release() is Darwin's kernel version, not macOS's: the default stands in on every machine.
      return [{ name: '__unix', version: '0', build: '0' }, { name: '__osx', version: DEFAULTS.osx, build: '0' }, ...archspec];
    case 'win':
      return [{ name: '__win', version: '0', build: '0' }, ...archspec];
    default:
      return [];
  }
}
