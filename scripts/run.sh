#!/usr/bin/env bash
# Installs what running needs, builds cairnd and cairn, and runs cairnd in the foreground on its
# default database ($XDG_DATA_HOME/cairn/cairn.db). Arguments go to cairnd. $BUILD_DIR as in
# scripts/build.sh (default build-run/).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-run}  # apart from build/, where scripts/test.sh builds the tests
scripts/deps.sh run
TARGETS="cairnd cairn cairn_completion cairn_completion_fish" BUILD_DIR="$BUILD_DIR" scripts/build.sh -DCAIRN_TESTS=OFF -DCAIRN_BENCH=OFF
bin=$(cd "$BUILD_DIR/bin" && pwd)
cat >&2 <<MSG

cairn is built in $bin. To use it from any shell, either put it on the PATH:
  export PATH="$bin:\$PATH"        # add this line to ~/.bashrc or ~/.zshrc
or install cairn, cairnd, completions and the systemd user units under ~/.local:
  cmake --install $BUILD_DIR --prefix ~/.local   # ~/.local/bin must be on the PATH
Then, in another terminal: cairn status

MSG
exec "$BUILD_DIR/bin/cairnd" "$@"
