// Writes the example's toolchain channel (examples/buildout/toolchain/<subdir>/): the compiler
// package `compiler('c')` renders to on linux-64, `gcc_linux-64`, as an activation package that runs
// the host's cc. Conda channels provide it in a real buildout; it is no python package, so the
// rebuild does not build it: the example's `channels.build` lists this channel.
//   npx tsx examples/buildout/toolchain/make-toolchain.ts   (toolchain.test.ts checks the files are current)
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCondaPackage } from '../../../core/conda/write-package.ts';
import { indexChannel } from '../../../core/conda/repodata.ts';

export const TOOLCHAIN = fileURLToPath(new URL('.', import.meta.url));

// conda-forge's compiler packages name the tools <triplet>-cc; the build script looks for that name.
const CC_WRAPPER = `#!/bin/sh
# The example's gcc_linux-64: the host's cc under conda's name for it. Install gcc for the
# example's C package (crc32c): apt-get install gcc.
for cc in /usr/bin/cc /usr/bin/gcc /usr/local/bin/cc; do
  if [ -x "$cc" ]; then exec "$cc" "$@"; fi
done
echo "x86_64-conda-linux-gnu-cc: no C compiler on this machine (install gcc: apt-get install gcc)" >&2
exit 127
`;

export async function writeToolchain(channel: string): Promise<void> {
  const prefix = mkdtempSync(join(tmpdir(), 'rebuild-toolchain-'));
  try {
    mkdirSync(join(prefix, 'bin'), { recursive: true });
    writeFileSync(join(prefix, 'bin/x86_64-conda-linux-gnu-cc'), CC_WRAPPER);
    chmodSync(join(prefix, 'bin/x86_64-conda-linux-gnu-cc'), 0o755);
    await writeCondaPackage({
      prefix, files: ['bin/x86_64-conda-linux-gnu-cc'], outDir: join(channel, 'linux-64'),
      info: {
        name: 'gcc_linux-64', version: '13.2.0', build: 'h0_0', buildNumber: 0, depends: [], subdir: 'linux-64', license: 'BSD-3-Clause',
        about: { summary: "The rebuild example's C compiler: runs the host's cc as x86_64-conda-linux-gnu-cc." },
      },
    });
    mkdirSync(join(channel, 'noarch'), { recursive: true });
    await indexChannel(channel, ['linux-64', 'noarch']);
    // The indexer's sidecar cache is this machine's (file stats), not part of the channel.
    for (const subdir of ['linux-64', 'noarch']) rmSync(join(channel, subdir, '.rebuild-index-cache.json'), { force: true });
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await writeToolchain(TOOLCHAIN);
