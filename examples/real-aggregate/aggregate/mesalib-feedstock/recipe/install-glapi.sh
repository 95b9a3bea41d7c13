#!/bin/bash
set -ex
install -d "${PREFIX}/lib"
cp -P builddir/src/mapi/shared-glapi/libglapi.so* "${PREFIX}/lib/"
