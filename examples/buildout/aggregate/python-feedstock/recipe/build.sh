#!/bin/sh
set -e
site="$PREFIX/lib/python$PY_VER/site-packages"
mkdir -p "$PREFIX/bin" "$site"
sed -e "s/@VERSION@/$PKG_VERSION/g" -e "s/@PY_VER@/$PY_VER/g" "$SRC_DIR/python.sh" > "$PREFIX/bin/python$PY_VER"
chmod 755 "$PREFIX/bin/python$PY_VER"
ln -sf "python$PY_VER" "$PREFIX/bin/python3"
ln -sf "python$PY_VER" "$PREFIX/bin/python"
sed -e "s/@VERSION@/$PKG_VERSION/g" -e "s/@PY_VER@/$PY_VER/g" "$SRC_DIR/sitecustomize.py" > "$site/sitecustomize.py"
