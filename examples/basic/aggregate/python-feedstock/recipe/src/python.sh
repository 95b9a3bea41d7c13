#!/bin/sh
# Stand-in interpreter of the rebuild example: answers --version like python does.
if [ "$1" = "--version" ]; then echo "Python @VERSION@"; exit 0; fi
echo "example python: no interpreter here (args: $*)" >&2
exit 1
