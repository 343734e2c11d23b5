"""A real cairnd per test, on a private socket and data directory, from the
build directory in $CAIRN_BUILD_DIR (default: build/ at the top of the tree)."""

import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.dirname(HERE))  # the package from this tree, not an installed one

from cairn_client import daemon as cairn_daemon  # noqa: E402


def cairnd_binary():
    build = os.environ.get("CAIRN_BUILD_DIR") or os.path.join(ROOT, "build")
    for candidate in (os.path.join(build, "bin", "cairnd"), os.path.join(build, "cairnd")):
        if os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError(f"no cairnd in {build}/bin: build it (scripts/build.sh) or set "
                       "CAIRN_BUILD_DIR")


class Daemon:
    """One cairnd: start, stop (SIGTERM), kill (SIGKILL), and a fresh data dir."""

    def __init__(self, home):
        self.home = home
        self.socket = os.path.join(home, "run", "cairnd.sock")
        self.binary = cairnd_binary()
        self.proc = None
        self.data_dir = os.path.join(home, "data")

    def start(self, data_dir=None):
        self.data_dir = data_dir or self.data_dir
        os.makedirs(os.path.dirname(self.socket), mode=0o700, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.binary, "--socket", self.socket, "--data-dir", self.data_dir, "--state-dir",
             os.path.join(self.home, "state"), "--log-file", os.path.join(self.home, "cairnd.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not cairn_daemon._answers(self.socket):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cairnd did not start; log: {self.log()}")
            time.sleep(0.01)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        self.proc = None

    def kill(self):
        self.stop(signal.SIGKILL)

    def restart(self, data_dir=None):
        self.stop()
        self.start(data_dir)

    def log(self):
        try:
            with open(os.path.join(self.home, "cairnd.log"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return "(no log)"


@pytest.fixture
def home(monkeypatch):
    with tempfile.TemporaryDirectory(prefix="cairn-py.") as d:
        # Whatever the daemon or the client defaults to stays inside d.
        for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            monkeypatch.setenv(var, os.path.join(d, var.lower()))
        monkeypatch.setenv("XDG_RUNTIME_DIR", os.path.join(d, "xdg-run"))
        monkeypatch.delenv("CAIRN_SOCKET", raising=False)
        yield d


@pytest.fixture
def cairnd(home):
    d = Daemon(home)
    d.start()
    yield d
    d.stop()
