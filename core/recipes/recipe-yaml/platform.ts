// The platform variables rattler-build gives recipe expressions for a target subdir
// (rattler-build docs, "Selectors in recipes" → "Available variables").

export type PlatformVariables = Record<string, string | boolean>;

const ARCH_NAMES = ['x86', 'x86_64', 'aarch64', 'arm64', 'armV6l', 'armV7l', 'ppc64', 'ppc64le', 's390x', 'riscv32', 'riscv64', 'wasm32'];

/** linux/osx/win/unix, one true arch flag (aarch64 and arm64 are the same), target_platform, build_platform. */
export function platformVariables(subdir: string, buildPlatform: string = subdir): PlatformVariables {
  const [os, arch = ''] = subdir.split('-');
  const vars: PlatformVariables = {
    target_platform: subdir,
    host_platform: subdir,
    build_platform: buildPlatform,
    linux: os === 'linux',
    osx: os === 'osx',
    win: os === 'win',
    unix: os === 'linux' || os === 'osx',
  };
  for (const name of ARCH_NAMES) vars[name] = false;
  const flag = archFlag(os, arch);
  if (flag) vars[flag] = true;
  if (flag === 'aarch64' || flag === 'arm64') vars.aarch64 = vars.arm64 = true;
  return vars;
}

function archFlag(_os: string, arch: string): string | null {
  switch (arch) {
    case '64':
      return 'x86_64';
    case '32':
      return 'x86';
    case 'aarch64':
    case 'arm64':
      return arch;
    case 'armv6l':
      return 'armV6l';
    case 'armv7l':
      return 'armV7l';
    case 'ppc64le':
    case 'ppc64':
    case 's390x':
    case 'riscv32':
    case 'riscv64':
    case 'wasm32':
      return arch;
    default:
      return null;
  }
}
