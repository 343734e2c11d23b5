"""Finding cairnd's socket and starting cairnd, as the cairn CLI does
(base/paths.cc default_socket_path, clients/cli/spawn.cc)."""

import fcntl
import os
import shutil
import socket
import subprocess
import time

from .errors import Unavailable

# The cursor no database reaches: changes.since answers it with the newest cursor.
NEWEST_CURSOR = 2**63 - 1


def default_socket_path():
    """``$CAIRN_SOCKET``, else ``$XDG_RUNTIME_DIR/cairn/cairnd.sock``, else
    ``/tmp/cairn-$UID/cairnd.sock``."""
    path = os.environ.get("CAIRN_SOCKET")
    if path:
        return path
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "cairn", "cairnd.sock")
    return f"/tmp/cairn-{os.getuid()}/cairnd.sock"


def find_cairnd(cairnd=None):
    """The cairnd program: the argument, else ``$CAIRN_DAEMON``, else ``cairnd`` on PATH."""
    exe = cairnd or os.environ.get("CAIRN_DAEMON") or "cairnd"
    if os.sep in exe:
        return exe if os.access(exe, os.X_OK) else None
    return shutil.which(exe)


def _answers(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect(path)
        # [0, 1, "daemon.ping", []] -> [1, 1, nil, "pong"]
        s.sendall(b"\x94\x00\x01\xabdaemon.ping\x90")
        return len(s.recv(64)) > 0
    except OSError:
        return False
    finally:
        s.close()


def spawn_daemon(path, cairnd=None, wait=5.0, args=()):
    """Starts cairnd for ``path`` unless one answers already, and waits until it
    answers. Two clients racing start one daemon (an flock beside the socket)."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    lock = os.open(path + ".spawn", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _answers(path):
            return
        exe = find_cairnd(cairnd)
        if exe is None:
            raise Unavailable("cannot start the daemon: no cairnd found (pass cairnd=, set "
                              "CAIRN_DAEMON, or put it on PATH), or start cairnd yourself")
        # Detached: sh starts cairnd in the background and exits at once, so the
        # daemon belongs to no process of ours and outlives this one.
        subprocess.run(["sh", "-c", 'exec "$0" "$@" </dev/null >/dev/null 2>&1 &', exe,
                        "--socket", path, *args], start_new_session=True, check=True)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if _answers(path):
                return
            time.sleep(0.01)
        raise Unavailable(f"started {exe} but it did not answer on {path} within {wait} s; "
                          "see its log (cairnd --help shows where)")
    finally:
        os.close(lock)
