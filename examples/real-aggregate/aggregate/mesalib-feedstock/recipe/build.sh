#!/bin/bash
set -ex
# The code generators (src/mapi/*.py, src/util/format/*.py) run under the build's python with mako.
meson setup builddir ${MESON_ARGS} \
  --prefix="${PREFIX}" --libdir=lib \
  -Dplatforms= -Dglx=disabled -Degl=disabled -Dgbm=disabled \
  -Dgallium-drivers=swrast -Dvulkan-drivers= \
  -Dosmesa=true -Dshared-glapi=enabled -Dllvm=disabled
ninja -C builddir -j ${CPU_COUNT}
