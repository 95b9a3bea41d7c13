#!/bin/sh
# Prints what the build sees of the environment, the way a debugging recipe author would.
env | sort
mkdir -p "$PREFIX/share/envprobe"
echo "feature=${FEATURE_FLAG:-unset}" > "$PREFIX/share/envprobe/probe.txt"
