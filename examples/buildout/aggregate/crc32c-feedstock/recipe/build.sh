#!/bin/sh
set -e
# The compiler package in the build environment provides <triplet>-cc (conda's activation would set CC).
CC="${CC:-$(ls "$BUILD_PREFIX"/bin/*-conda-linux-gnu-cc 2>/dev/null | head -n 1)}"
if [ -z "$CC" ]; then
  echo "crc32c: no C compiler in the build environment (expected $BUILD_PREFIX/bin/*-conda-linux-gnu-cc)" >&2
  exit 1
fi
echo "crc32c: compiling with $CC ($("$CC" --version | head -n 1))"
"$CC" -O2 -fPIC -shared -o crc32c/libcrc32c$SHLIB_EXT csrc/crc32c.c
$PYTHON -m pip install . --no-deps --no-build-isolation -vv
