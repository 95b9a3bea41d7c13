#!/bin/sh
set -e
mkdir -p "$PREFIX/bin" "$PREFIX/lib/python$PY_VER/site-packages"
sed -e "s/@VERSION@/$PKG_VERSION/" -e "s/@PY_VER@/$PY_VER/" "$SRC_DIR/python.sh" > "$PREFIX/bin/python$PY_VER"
chmod +x "$PREFIX/bin/python$PY_VER"
ln -sf "python$PY_VER" "$PREFIX/bin/python"
# Record where this python lives, as the real one records its prefix in sysconfig.
echo "prefix = '$PREFIX'" > "$PREFIX/lib/python$PY_VER/_sysconfigdata_example.py"
