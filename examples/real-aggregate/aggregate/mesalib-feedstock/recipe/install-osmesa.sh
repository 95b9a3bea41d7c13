#!/bin/bash
set -ex
install -d "${PREFIX}/lib" "${PREFIX}/include/GL" "${PREFIX}/lib/pkgconfig"
cp -P builddir/src/gallium/targets/osmesa/libOSMesa.so* "${PREFIX}/lib/"
cp include/GL/osmesa.h "${PREFIX}/include/GL/"
cp builddir/meson-private/osmesa.pc "${PREFIX}/lib/pkgconfig/"
