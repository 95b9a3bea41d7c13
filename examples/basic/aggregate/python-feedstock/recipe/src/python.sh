#!/bin/sh
# Stand-in interpreter of the rebuild example: answers --version as python @VERSION@ does, and runs
# everything else with this machine's python3, this prefix's site-packages first on its path, so
# that a package's test imports (rebuild:tester) run the package's own code.
if [ "$1" = "--version" ]; then echo "Python @VERSION@"; exit 0; fi
prefix=$(cd "$(dirname "$0")/.." && pwd)
PYTHONPATH="$prefix/lib/python@PY_VER@/site-packages${PYTHONPATH:+:$PYTHONPATH}" PYTHONNOUSERSITE=1 exec python3 "$@"
