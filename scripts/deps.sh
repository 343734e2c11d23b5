#!/usr/bin/env bash
# Installs the Debian 12 packages cairn builds, tests and benchmarks with.
# Installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libuv1-dev libsqlite3-dev sqlite3 libmsgpack-cxx-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libssl-dev libsystemd-dev
  libgtest-dev libbenchmark-dev
  neovim systemd util-linux strace fiu-utils faketime procps redis-server redis-tools ripgrep
  taskwarrior
  inotify-tools watchman
  clang libclang-rt-14-dev ccache
  nodejs
)
# npm comes with nodejs from other sources (NodeSource); Debian packages it apart.
command -v npm >/dev/null || packages+=(npm)

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
