#!/usr/bin/env bash
# Installs what is missing, builds, and runs cairnd in the foreground on its
# default database ($XDG_DATA_HOME/cairn/cairn.db). Arguments go to cairnd.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
exec build/bin/cairnd "$@"
