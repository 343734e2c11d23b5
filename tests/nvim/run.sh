#!/bin/sh
# Run the Neovim plugin specs against a real cairnd.
# Usage: tests/nvim/run.sh BINARY_DIR [SPEC...]
# BINARY_DIR holds cairnd. Each spec runs in its own `nvim --headless` with
# CAIRN_SOCKET pointing at a daemon on a private socket and data directory.
# Exit status: 0 when every spec passed or was skipped with a reason.
set -u

if [ $# -lt 1 ] || [ ! -x "$1/cairnd" ]; then
  echo "usage: $0 BINARY_DIR [SPEC...]   (BINARY_DIR/cairnd must exist)" >&2
  exit 2
fi
CAIRN_BIN_DIR=$(cd "$1" && pwd)
shift
# The CMake build directory above BINARY_DIR, if it is one (for install specs).
CAIRN_BUILD_DIR=
[ -f "$CAIRN_BIN_DIR/../CMakeCache.txt" ] && CAIRN_BUILD_DIR=$(cd "$CAIRN_BIN_DIR/.." && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

CAIRN_TEST_DIR=$(mktemp -d /tmp/cairn-nvim.XXXXXX)
CAIRN_SOCKET=$CAIRN_TEST_DIR/sock
CAIRN_TEST_CTL=$here/daemon.sh
export CAIRN_BIN_DIR CAIRN_BUILD_DIR CAIRN_TEST_DIR CAIRN_SOCKET CAIRN_TEST_CTL
# The daemon's defaults and the specs' editors stay inside the temp dir.
export XDG_RUNTIME_DIR=$CAIRN_TEST_DIR/run XDG_DATA_HOME=$CAIRN_TEST_DIR/xdg-data \
  XDG_STATE_HOME=$CAIRN_TEST_DIR/xdg-state XDG_CONFIG_HOME=$CAIRN_TEST_DIR/xdg-config \
  XDG_CACHE_HOME=$CAIRN_TEST_DIR/xdg-cache
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

show_log() {
  echo "---- cairnd output ($CAIRN_TEST_DIR/cairnd.out) ----"
  cat "$CAIRN_TEST_DIR/cairnd.out" 2>/dev/null
  echo "---- cairnd log ($CAIRN_TEST_DIR/cairnd.log) ----"
  tail -n 200 "$CAIRN_TEST_DIR/cairnd.log" 2>/dev/null
  echo "----"
}

cleanup() {
  "$CAIRN_TEST_CTL" stop >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "$CAIRN_TEST_CTL" start; then
  echo "FAIL: cairnd did not start"
  show_log
  exit 1
fi

if [ $# -gt 0 ]; then
  specs=$*
else
  specs=$(ls "$here"/*_spec.lua)
fi

passed=0 failed=0 skipped=0 failures=""
for spec in $specs; do
  name=$(basename "$spec" .lua)
  timeout 120 nvim --headless -u NONE -i NONE -n \
    --cmd "set rtp^=$root/clients/nvim" \
    -c "runtime! plugin/cairn.lua" \
    -c "lua dofile('$here/helper.lua').main('$spec')" </dev/null
  rc=$?
  # A spec that stopped the daemon must not leave it stopped for the next one.
  pid=$("$CAIRN_TEST_CTL" pid 2>/dev/null) && kill -CONT "$pid" 2>/dev/null
  case $rc in
    0) passed=$((passed + 1)) ;;
    77) skipped=$((skipped + 1)) ;;
    *)
      [ $rc -eq 124 ] && echo "FAIL $name: timed out after 120 s"
      failed=$((failed + 1))
      failures="$failures $name"
      ;;
  esac
  if ! "$CAIRN_TEST_CTL" pid >/dev/null 2>&1; then
    echo "cairnd is not running after $name; starting it again"
    failed=$((failed + 1))
    failures="$failures $name(daemon-died)"
    show_log
    "$CAIRN_TEST_CTL" start || exit 1
  fi
done

echo "nvim specs: $passed passed, $skipped skipped, $failed failed"
if [ $failed -gt 0 ]; then
  echo "failed:$failures"
  show_log
  exit 1
fi
"$CAIRN_TEST_CTL" stop
rm -rf "$CAIRN_TEST_DIR"
exit 0
