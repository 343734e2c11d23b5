#!/bin/sh
# Installs the pinned dependencies (npm ci, when package-lock.json is newer than
# node_modules), compiles, and runs the tests against the cairnd of $CAIRN_BUILD_DIR.
set -eu
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
./node_modules/.bin/tsc -p .
exec node --test dist/test/
