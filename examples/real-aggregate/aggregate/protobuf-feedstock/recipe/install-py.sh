#!/bin/bash
set -ex
cd python && $PYTHON -m pip install . --no-deps --no-build-isolation -vv
