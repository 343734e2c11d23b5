#!/bin/sh
# Control the cairnd that the Neovim specs run against.
# Usage: daemon.sh start|stop|restart|pid|wait
# Needs CAIRN_BIN_DIR (holds cairnd) and CAIRN_TEST_DIR (socket, data, logs).
set -eu

: "${CAIRN_BIN_DIR:?}" "${CAIRN_TEST_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
dir=$CAIRN_TEST_DIR
sock=$dir/sock
pidfile=$dir/cairnd.pid

running() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# Wait until the socket accepts a connection (10 s at most).
wait_ready() {
  i=0
  while [ $i -lt 100 ]; do
    if ! running; then
      echo "cairnd exited during startup" >&2
      return 1
    fi
    if [ -S "$sock" ] && nvim --headless -u NONE -c "luafile $here/probe.lua" "$sock" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
    i=$((i + 1))
  done
  echo "cairnd did not answer on $sock within 10 s" >&2
  return 1
}

start() {
  if running; then
    echo "cairnd already running" >&2
    return 1
  fi
  mkdir -p "$dir/data" "$dir/state"
  "$CAIRN_BIN_DIR/cairnd" --socket "$sock" --data-dir "$dir/data" --state-dir "$dir/state" \
    --log-file "$dir/cairnd.log" --log-level debug \
    </dev/null >>"$dir/cairnd.out" 2>&1 &
  echo $! >"$pidfile"
  wait_ready
}

stop() {
  running || return 0
  pid=$(cat "$pidfile")
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ $i -ge 50 ]; then
      echo "cairnd ignored SIGTERM for 5 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
    i=$((i + 1))
  done
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop && start ;;
  pid) running && cat "$pidfile" ;;
  wait) wait_ready ;;
  *) echo "usage: $0 start|stop|restart|pid|wait" >&2; exit 2 ;;
esac
