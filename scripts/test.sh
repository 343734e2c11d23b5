#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
start=$(date +%s)
scripts/build.sh
echo "build: $(( $(date +%s) - start )) s"
start=$(date +%s)
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300
echo "tests: $(( $(date +%s) - start )) s"
