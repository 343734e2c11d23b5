#!/usr/bin/env bash
# Installs what running needs, builds cairnd and cairn, and runs cairnd in the foreground on its
# default database ($XDG_DATA_HOME/cairn/cairn.db). Arguments go to cairnd.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
TARGETS="cairnd cairn" scripts/build.sh -DCAIRN_TESTS=OFF -DCAIRN_BENCH=OFF
exec build/bin/cairnd "$@"
