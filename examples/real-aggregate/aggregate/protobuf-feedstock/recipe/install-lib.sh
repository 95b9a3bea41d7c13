#!/bin/bash
set -ex
cmake --install build --component libprotobuf
