#!/bin/sh
# REBUILD_EXAMPLE_PYTHON @VERSION@: the rebuild example's python. It runs the host's python3 with this
# prefix's site-packages first (so the example's packages really import), and sitecustomize.py makes
# it behave as @VERSION@ where the example needs it: the modules removed by 3.12 and 3.13 are gone.
bindir=$(cd "$(dirname "$0")" && pwd -P)
prefix=$(dirname "$bindir")
case "$1" in --version|-V) echo "Python @VERSION@"; exit 0 ;; esac
host=
oldifs=$IFS
IFS=:
for d in $PATH /usr/local/bin /usr/bin /bin; do
  [ -n "$d" ] && [ -x "$d/python3" ] || continue
  # Skip this wrapper and the wrappers of other prefixes (a build prefix may hold one too).
  grep -q REBUILD_EXAMPLE_PYTHON "$d/python3" 2>/dev/null && continue
  host="$d/python3"
  break
done
IFS=$oldifs
if [ -z "$host" ]; then
  echo "example python @VERSION@: no python3 on this machine to run (install python3: apt-get install python3)" >&2
  exit 127
fi
PYTHONPATH="$prefix/lib/python@PY_VER@/site-packages${PYTHONPATH:+:$PYTHONPATH}" \
PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1 exec "$host" "$@"
