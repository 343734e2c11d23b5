"""The blocking Client against a real cairnd."""

import os
import socket
import subprocess
import threading

import pytest

import cairn_client
from cairn_client import Client, errors


def test_call_takes_named_arguments_or_one_map_and_returns_the_result(cairnd):
    with Client(cairnd.socket) as c:
        assert c.ping() == "pong"
        assert c.call("prefs.set", category="ui", key="theme", value="dark")["value"] == "dark"
        got = c.call("prefs.get", {"category": "ui", "key": "theme"})
        assert got["value"] == "dark"
        # Nested values come back as sent.
        c.call("prefs.set", category="ui", key="nested", value={"s": "é", "n": [1, 2.5, None]})
        assert c.call("prefs.get", category="ui", key="nested")["value"] == {"s": "é",
                                                                             "n": [1, 2.5, None]}


@pytest.mark.parametrize("method,params,cls", [
    ("prefs.get", {"category": "ui", "key": "absent"}, errors.NotFound),
    ("prefs.get", {"category": "ui", "key": "k", "typo": 1}, errors.InvalidParams),
    ("no.such_method", {}, errors.MethodNotFound),
])
def test_a_failed_call_raises_the_class_of_its_code_with_code_and_message(cairnd, method, params,
                                                                          cls):
    with Client(cairnd.socket) as c:
        with pytest.raises(cls) as info:
            c.call(method, params)
        assert isinstance(info.value, cairn_client.CairnError)
        assert info.value.code == cls.code
        assert info.value.kind == 1
        assert info.value.message and not info.value.message.startswith(cls.code)
        assert str(info.value).startswith(cls.code + ": ")
        assert c.ping() == "pong"  # the connection stays open


def test_every_error_code_of_the_protocol_has_its_class():
    codes = ["PARSE_ERROR", "INVALID_REQUEST", "METHOD_NOT_FOUND", "INVALID_PARAMS", "NOT_FOUND",
             "CONFLICT", "TOO_LARGE", "BUSY", "UNAUTHORIZED", "IO_ERROR", "INTERNAL"]
    for code in codes:
        e = errors.from_wire([0, f"{code}: what happened"])
        assert type(e) is errors.BY_CODE[code] and e.code == code
        assert e.message == "what happened" and e.kind == 0
    e = errors.from_wire([1, "NEW_CODE: later daemons may add codes"])
    assert type(e) is errors.CairnError and e.code == "NEW_CODE"


def test_a_protocol_violation_raises_its_code_and_the_next_call_reconnects(cairnd):
    with Client(cairnd.socket) as c:
        with pytest.raises(errors.TooLarge):  # a string over 4 MiB ends the connection
            c.call("prefs.set", category="ui", key="big", value="x" * (4 * 1024 * 1024 + 1))
        assert c.ping() == "pong"
        assert c.reconnects == 1


def test_calls_reconnect_after_the_daemon_restarts(cairnd):
    with Client(cairnd.socket) as c:
        c.call("prefs.set", category="a", key="b", value=1)
        cairnd.restart()
        assert c.call("prefs.get", category="a", key="b")["value"] == 1
        assert c.reconnects == 1


def test_without_reconnect_a_lost_daemon_raises_unavailable(cairnd):
    c = Client(cairnd.socket, reconnect=False)
    cairnd.kill()
    with pytest.raises(errors.Unavailable) as info:
        c.ping()
    assert isinstance(info.value, ConnectionError) and info.value.code == "UNAVAILABLE"
    with pytest.raises(errors.Unavailable):
        c.ping()


def test_no_daemon_and_no_autostart_raises_unavailable_naming_the_socket(home):
    path = os.path.join(home, "nothing.sock")
    with pytest.raises(errors.Unavailable, match="nothing.sock"):
        Client(path)


def test_the_socket_is_found_as_the_cli_finds_it(home, monkeypatch):
    monkeypatch.setenv("CAIRN_SOCKET", "/x/explicit.sock")
    assert cairn_client.default_socket_path() == "/x/explicit.sock"
    monkeypatch.setenv("CAIRN_SOCKET", "")
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/7")
    assert cairn_client.default_socket_path() == "/run/user/7/cairn/cairnd.sock"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert cairn_client.default_socket_path() == f"/tmp/cairn-{os.getuid()}/cairnd.sock"


def test_autostart_starts_one_daemon_for_clients_racing_to_start_it(home):
    from conftest import cairnd_binary
    path = os.path.join(home, "xdg-run", "cairn", "cairnd.sock")  # the default socket
    clients, failures = [], []

    def connect():
        try:
            clients.append(Client(autostart=True, cairnd=cairnd_binary()))
        except Exception as e:  # pylint: disable=broad-except
            failures.append(e)

    threads = [threading.Thread(target=connect) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    try:
        pids = {c.call("daemon.status")["pid"] for c in clients}
        assert len(pids) == 1
        assert clients[0].call("daemon.status")["socket"] == path
    finally:
        clients[0].call("daemon.shutdown")
        for c in clients:
            c.close()


def test_autostart_without_a_cairnd_says_how_to_get_one(home):
    with pytest.raises(errors.Unavailable, match="no cairnd found"):
        Client(os.path.join(home, "s.sock"), autostart=True, cairnd="/nonexistent/cairnd")


def test_changes_since_pages_through_the_changelog_and_reports_a_replaced_database(cairnd):
    with Client(cairnd.socket) as c:
        start = c.changes_since(0)
        list(start)
        for i in range(25):
            c.call("prefs.set", category="page", key=f"k{i:02}", value=i)
        feed = c.changes_since(start.cursor, topics=["prefs"], db_id=start.db_id, limit=10)
        assert not feed.fresh_instance
        changes = list(feed)
        assert [ch["id"] for ch in changes] == [f"page/k{i:02}" for i in range(25)]
        assert [ch["new"] for ch in changes] == list(range(25))
        assert feed.cursor >= changes[-1]["cursor"] and feed.db_id == start.db_id
        assert list(c.changes_since(feed.cursor, db_id=feed.db_id)) == []
        other = c.changes_since(feed.cursor, db_id="another-database")
        assert other.fresh_instance and list(other) == []
        assert other.cursor == feed.cursor and other.db_id == start.db_id


def test_subscribe_yields_the_events_another_client_causes(cairnd):
    with Client(cairnd.socket) as writer, Client(cairnd.socket) as reader:
        with reader.subscribe(["prefs"]) as events:
            assert events.next(timeout=0.2) is None
            writer.call("prefs.set", category="ui", key="font", value="mono")
            event = events.next(timeout=5)
            assert event["topic"] == "prefs" and event["id"] == "ui/font"
            assert event["cursor"] == events.cursor and "replayed" not in event


def test_subscribe_since_a_cursor_replays_the_missed_changes_first(cairnd):
    with Client(cairnd.socket) as c:
        c.call("prefs.set", category="a", key="1", value=1)
        cursor = list(c.changes_since(0))[-1]["cursor"]
        c.call("prefs.set", category="a", key="2", value=2)
        c.call("prefs.set", category="a", key="3", value=3)
        with c.subscribe(["prefs"], since=cursor) as events:
            c.call("prefs.set", category="a", key="4", value=4)
            got = [events.next(timeout=5) for _ in range(3)]
            assert [e["id"] for e in got] == ["a/2", "a/3", "a/4"]
            assert [bool(e.get("replayed")) for e in got] == [True, True, False]
            assert events.next(timeout=0.2) is None


def test_a_subscription_resumes_after_a_restart_with_what_it_missed_once(cairnd):
    with Client(cairnd.socket) as writer:
        events = writer.subscribe(["prefs"])
        writer.call("prefs.set", category="r", key="before", value=1)
        assert events.next(timeout=5)["id"] == "r/before"
        cairnd.kill()
        cairnd.start()
        writer.call("prefs.set", category="r", key="while-away", value=2)
        got = events.next(timeout=10)
        assert got["id"] == "r/while-away" and got["replayed"] is True
        writer.call("prefs.set", category="r", key="after", value=3)
        got = events.next(timeout=5)
        assert got["id"] == "r/after" and "replayed" not in got
        assert events.next(timeout=0.2) is None
        assert events.reconnects == 1 and not events.state.fresh_instance
        events.close()


def test_a_subscription_says_fresh_instance_when_the_database_was_replaced(cairnd, home):
    with Client(cairnd.socket) as writer:
        events = writer.subscribe(["prefs"])
        writer.call("prefs.set", category="f", key="old", value=1)
        assert events.next(timeout=5)["id"] == "f/old"
        old_db = events.db_id
        cairnd.restart(data_dir=os.path.join(home, "another-data"))
        writer.call("prefs.set", category="f", key="new", value=2)
        notice = events.next(timeout=10)
        assert notice["kind"] == "fresh_instance"
        assert notice["previous_db_id"] == old_db and notice["db_id"] != old_db
        assert events.db_id == notice["db_id"] and events.state.fresh_instance
        writer.call("prefs.set", category="f", key="newer", value=3)
        assert events.next(timeout=5)["id"] == "f/newer"
        events.close()


def test_the_package_installs_with_pip_and_imports(tmp_path):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = tmp_path / "site"
    r = subprocess.run(["/usr/bin/python3", "-m", "pip", "install", "--no-deps",
                        "--no-build-isolation", "--no-index", "--target", str(target), here],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    out = subprocess.run(["/usr/bin/python3", "-c", "import cairn_client; print(cairn_client.__file__)"],
                         env={**os.environ, "PYTHONPATH": str(target)}, cwd=str(tmp_path),
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith(str(target))


def _restart_later(cairnd, delay):
    """Stops cairnd now (SIGSTOP: calls hang), kills and restarts it after `delay`."""
    import signal
    import time

    cairnd.proc.send_signal(signal.SIGSTOP)

    def later():
        time.sleep(delay)
        cairnd.proc.kill()
        cairnd.proc.wait()
        cairnd.start()

    t = threading.Thread(target=later)
    t.start()
    return t


def test_a_read_in_flight_is_repeated_after_a_reconnect_and_a_write_is_not(cairnd):
    with Client(cairnd.socket) as c:
        c.call("prefs.set", category="w", key="k", value=1)
        t = _restart_later(cairnd, 0.3)
        assert c.ping() == "pong"  # sent to the stopped daemon, repeated on the new one
        t.join()
        # At least once: a connection made while the killed daemon's listening
        # socket is being torn down is reset too, and the read is repeated again.
        assert c.reconnects >= 1
        t = _restart_later(cairnd, 0.3)
        with pytest.raises(errors.Unavailable):  # its outcome is unknown: never repeated
            c.call("prefs.set", category="w", key="k", value=2)
        t.join()
        assert c.call("prefs.get", category="w", key="k")["value"] == 1
