#!/usr/bin/env bash
# Installs the Debian 12 packages cairn needs: `run` what building and running it
# needs, `test` (the default) that and what the tests and benchmarks add.
# Installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail

# What building and running cairnd and cairn needs.
run_packages=(
  build-essential cmake ninja-build pkg-config ccache
  libuv1-dev libsqlite3-dev libmsgpack-cxx-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libssl-dev libsystemd-dev
)
# What the tests, the sanitizer and fuzz builds and the benchmarks add.
test_packages=(
  sqlite3 libgtest-dev libbenchmark-dev
  neovim systemd util-linux strace fiu-utils faketime procps redis-server redis-tools ripgrep
  taskwarrior
  inotify-tools watchman
  clang libclang-rt-14-dev
  python3-msgpack python3-pytest python3-pip
)

case "${1:-test}" in
  run) packages=("${run_packages[@]}") ;;
  test)
    packages=("${run_packages[@]}" "${test_packages[@]}")
    # The Node client's and the MCP bridge's tests: Debian's nodejs and npm, unless a
    # node with npm is installed already (NodeSource's nodejs carries npm and conflicts
    # with Debian's).
    if ! command -v npm >/dev/null; then
      packages+=(nodejs npm)
    fi
    ;;
  *) echo "usage: scripts/deps.sh [run|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
