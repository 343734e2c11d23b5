#!/usr/bin/env bash
# Configures and builds cairn into $BUILD_DIR (default build/). Extra arguments
# go to cmake, e.g. -DCAIRN_ASAN=ON. $TARGETS (space-separated) limits what is
# built; $JOBS sets the parallelism (default: the number of cores). Uses ccache
# when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} \
  "${launcher[@]}" "$@" >/dev/null
# shellcheck disable=SC2086  # TARGETS is a list
ninja -C "$BUILD_DIR" -j"${JOBS:-$(nproc)}" ${TARGETS:-}
