#!/bin/sh
# REBUILD_SEVERAL_PYTHONS @VERSION@: the example's python @PY_VER@. It runs the host's python3 with
# this prefix's site-packages first, so that the example's packages really import.
bindir=$(cd "$(dirname "$0")" && pwd -P)
prefix=$(dirname "$bindir")
case "$1" in --version|-V) echo "Python @VERSION@"; exit 0 ;; esac
host=
oldifs=$IFS
IFS=:
for d in $PATH /usr/local/bin /usr/bin /bin; do
  [ -n "$d" ] && [ -x "$d/python3" ] || continue
  grep -q REBUILD_ "$d/python3" 2>/dev/null && continue  # a wrapper of another prefix
  host="$d/python3"
  break
done
IFS=$oldifs
if [ -z "$host" ]; then
  echo "example python @VERSION@: no python3 on this machine to run (install python3)" >&2
  exit 127
fi
PYTHONPATH="$prefix/lib/python@PY_VER@/site-packages${PYTHONPATH:+:$PYTHONPATH}" \
PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1 exec "$host" "$@"
