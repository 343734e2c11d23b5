#!/usr/bin/env bash
# Regenerates the method reference in ipc/README.md from daemon.describe: starts
# a private cairnd (without debug methods) from $BUILD_DIR (default build/),
# renders `cairn describe --markdown` and replaces the text between the
# reference markers. The test Describe.TheCommittedReferenceIsWhatTheDaemonDescribes
# fails when the committed text differs.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
home=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$home"' EXIT
XDG_CONFIG_HOME="$home" "$BUILD_DIR/bin/cairnd" --socket "$home/s" --data-dir "$home/data" --state-dir "$home" \
  >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
  CAIRN_SOCKET="$home/s" "$BUILD_DIR/bin/cairn" ping >/dev/null 2>&1 && break
  sleep 0.1
done
CAIRN_SOCKET="$home/s" "$BUILD_DIR/bin/cairn" describe --markdown >"$home/ref.md"
python3 - "$home/ref.md" ipc/README.md <<'PY'
import sys
ref = open(sys.argv[1]).read()
path = sys.argv[2]
doc = open(path).read()
begin = ref.splitlines()[0]
end = ref.rstrip("\n").splitlines()[-1]
a, b = doc.index(begin), doc.index(end) + len(end) + 1
open(path, "w").write(doc[:a] + ref + doc[b:])
PY
echo "ipc/README.md: method reference regenerated"
