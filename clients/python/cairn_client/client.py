"""The blocking client: one Unix socket connection, one request at a time
(calls from several threads take turns)."""

import collections
import socket
import threading
import time

from . import api, daemon, errors, wire
from .feed import Feed, FeedState

# Methods that only read: repeated once after a reconnect when the connection
# broke under them (a write's outcome would be unknown, so it is never repeated).
BASE_READS = frozenset({"daemon.ping", "daemon.hello", "daemon.status", "daemon.describe",
                        "changes.since"})


class Connection:
    """One socket: sends requests, collects replies by msgid and keeps the
    notifications that arrive meanwhile."""

    def __init__(self, path, connect_timeout=2.0):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(connect_timeout)
        try:
            self.sock.connect(path)
        except OSError as e:
            self.sock.close()
            raise errors.Unavailable(f"no cairnd answers on {path}: {e.strerror or e}") from e
        self.unpacker = wire.unpacker()
        self.next_id = 1
        self.replies = {}
        self.notifications = collections.deque()
        self.broken = None  # the error that ended the connection

    def close(self):
        self.broken = self.broken or errors.Unavailable("the connection was closed")
        self.sock.close()

    def send(self, method, params):
        if self.broken:
            raise self.broken
        msgid = self.next_id
        self.next_id = (self.next_id + 1) & 0xFFFFFFFF or 1
        try:
            self.sock.sendall(wire.request(msgid, method, params))
        except OSError as e:
            # The daemon may have closed after refusing the message: its error
            # notification (TOO_LARGE, ...) is the better answer, when it came.
            try:
                deadline = time.monotonic() + 1
                while self._read(deadline):
                    pass
            except (errors.CairnError, OSError):
                pass
            self._fail(errors.Unavailable(f"cairnd on {self.path} went away: {e}"))
        return msgid

    def alive(self):
        """False when the daemon has closed this idle connection (it restarted):
        found without blocking, so a call is not sent into a dead socket."""
        if self.broken:
            return False
        try:
            self.sock.settimeout(0)  # with a timeout, Python would poll before recv
            if self.sock.recv(1, socket.MSG_PEEK) == b"":
                self.broken = errors.Unavailable(f"cairnd on {self.path} closed the connection")
                self.sock.close()
                return False
        except BlockingIOError:
            pass
        except OSError as e:
            self.broken = errors.Unavailable(f"cairnd on {self.path} went away: {e}")
            self.sock.close()
            return False
        return True

    def _fail(self, error):
        if not self.broken:
            self.broken = error
        self.sock.close()
        raise self.broken

    def _read(self, deadline):
        """Reads what arrives before ``deadline`` (None: wait); False on timeout."""
        if self.broken:
            raise self.broken
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0)
        if timeout == 0:
            return False
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            return False
        except OSError as e:
            self._fail(errors.Unavailable(f"cairnd on {self.path} went away: {e}"))
        if not data:
            self._fail(errors.Unavailable(f"cairnd on {self.path} closed the connection"))
        self.unpacker.feed(data)
        for msg in self.unpacker:
            if msg[0] == 1:
                self.replies[msg[1]] = (msg[2], msg[3])
            elif msg[0] == 2 and msg[1] == "error":
                self.broken = wire.violation(msg[2])
            elif msg[0] == 2:
                self.notifications.append((msg[1], msg[2]))
        return True

    def wait(self, msgid, timeout):
        deadline = None if timeout is None else time.monotonic() + timeout
        while msgid not in self.replies:
            if not self._read(deadline):
                raise errors.Unavailable(f"no reply within {timeout} s")
        error, result = self.replies.pop(msgid)
        if error is not None:
            raise errors.from_wire(error)
        return result

    def call(self, method, params, timeout=None):
        return self.wait(self.send(method, params), timeout)

    def notification(self, timeout):
        """The next notification, or None after ``timeout`` seconds (None: wait)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.notifications:
            if not self._read(deadline):
                return None
        return self.notifications.popleft()


class Client:
    """A blocking client of cairnd.

    ``Client()`` connects to the socket the CLI uses (``$CAIRN_SOCKET``, else
    ``$XDG_RUNTIME_DIR/cairn/cairnd.sock``, else ``/tmp/cairn-$UID/cairnd.sock``).
    With ``autostart=True`` it starts cairnd when none answers, as the CLI does.
    After a lost connection the next call reconnects (``reconnect=False`` to raise
    instead). Domain helpers (``client.tasks.create(title=...)``) come from
    ``daemon.describe`` on first use.
    """

    def __init__(self, socket_path=None, *, autostart=False, cairnd=None, timeout=30.0,
                 connect_timeout=2.0, reconnect=True, reconnect_timeout=10.0, start_timeout=5.0):
        self.socket_path = socket_path or daemon.default_socket_path()
        self.autostart = autostart
        self.cairnd = cairnd
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.reconnect = reconnect
        self.reconnect_timeout = reconnect_timeout
        self.start_timeout = start_timeout
        self.reconnects = 0
        self._lock = threading.RLock()
        self._describe = None
        self._api = None
        self._conn = self.open_connection()

    # -- connections ------------------------------------------------------------

    def open_connection(self):
        """A new connection to the daemon, starting it first when allowed."""
        try:
            return Connection(self.socket_path, self.connect_timeout)
        except errors.Unavailable:
            if not self.autostart:
                raise
        daemon.spawn_daemon(self.socket_path, self.cairnd, self.start_timeout)
        return Connection(self.socket_path, self.connect_timeout)

    def wait_for_daemon(self, timeout=None):
        """Reconnects, retrying until ``timeout`` seconds (default ``reconnect_timeout``)."""
        timeout = self.reconnect_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        pause = 0.02
        while True:
            try:
                return self.open_connection()
            except errors.Unavailable:
                if time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def _connection(self):
        if self._conn is None or not self._conn.alive():
            if self._conn is not None and not self.reconnect:
                raise self._conn.broken
            self._conn = self.wait_for_daemon()
            self.reconnects += 1
            self._describe = self._api = None  # the daemon may be another version now
        return self._conn

    def close(self):
        with self._lock:
            if self._conn:
                self._conn.close()
                self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- calls -----------------------------------------------------------------

    def call(self, method, params=None, /, *, _timeout=None, **kwargs):
        """Calls ``method`` with one map of named arguments and returns its result.
        Raises the :class:`~cairn_client.errors.CairnError` subclass of the reply's
        code, or :class:`~cairn_client.errors.Unavailable`."""
        params = wire.join_params(params, kwargs)
        timeout = self.timeout if _timeout is None else _timeout
        with self._lock:
            deadline = time.monotonic() + self.reconnect_timeout
            while True:
                conn = self._connection()
                try:
                    return conn.call(method, params, timeout)
                except errors.Unavailable:
                    # A read is repeated on the next connection (a daemon that is
                    # still starting may drop the first); a write never is.
                    if not (self.reconnect and conn.broken and self._is_read(method)
                            and time.monotonic() < deadline):
                        raise

    def _is_read(self, method):
        if method in BASE_READS:
            return True
        return bool(self._describe) and method in api.read_methods(self._describe)

    def ping(self):
        return self.call("daemon.ping")

    def describe(self, refresh=False):
        """The daemon's ``daemon.describe`` reply (cached until a reconnect)."""
        with self._lock:
            if self._describe is None or refresh:
                self._describe = self.call("daemon.describe")
                self._api = None
            return self._describe

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        with self._lock:
            if self._api is None:
                try:
                    self._api = api.build(self.describe(), self.call)
                except errors.MethodNotFound:
                    raise AttributeError(f"{name}: this cairnd has no daemon.describe; use "
                                         f"client.call('{name}.<method>', ...)") from None
            if name in self._api:
                return self._api[name]
        raise AttributeError(f"cairnd has no method namespace {name!r}")

    def __dir__(self):
        names = set(super().__dir__())
        if self._api:
            names.update(self._api)
        return sorted(names)

    # -- the change feed ----------------------------------------------------------

    def changes_since(self, cursor=0, *, topics=None, db_id=None, limit=None):
        """The changes after ``cursor``, fetched page by page as they are iterated.
        See :class:`~cairn_client.feed.Feed`."""
        return Feed(self.call, cursor, topics, db_id, limit)

    def subscribe(self, topics, *, since=None, db_id=None):
        """The events on ``topics`` (a list, or ``["*"]``) as an iterator, on a
        connection of its own. From now on, or from ``since`` (a cursor) with the
        missed changes replayed first. Reconnects and resumes after the last cursor;
        when the database was replaced meanwhile it yields a ``fresh_instance`` notice
        (see README)."""
        return Subscription(self, topics, since, db_id)


class Subscription:
    """An iterator over events; ``next(timeout)`` returns None on timeout."""

    def __init__(self, client, topics, since, db_id):
        self.client = client
        self.topics = list(topics)
        self.state = FeedState(self.topics, since, db_id)
        self.reconnects = 0
        self._conn = None
        self._open()

    def _open(self):
        if self._conn is None:
            return self._subscribe(self.client.open_connection())
        deadline = time.monotonic() + self.client.reconnect_timeout
        while True:
            try:
                return self._subscribe(
                    self.client.wait_for_daemon(max(deadline - time.monotonic(), 0)))
            except errors.Unavailable:
                # A connection made while a killed daemon's socket is torn down is reset.
                if time.monotonic() >= deadline:
                    raise

    def _subscribe(self, conn):
        self._conn = conn
        conn.call("events.subscribe", {"topics": self.topics}, self.client.timeout)
        self.state.catch_up(lambda m, p: conn.call(m, p, self.client.timeout))

    def next(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            event = self.state.pop()
            if event is not None:
                return event
            left = None if deadline is None else max(deadline - time.monotonic(), 0)
            try:
                note = self._conn.notification(left)
            except errors.Unavailable:
                if not self.client.reconnect:
                    raise
                self._open()
                self.reconnects += 1
                continue
            if note is None:
                return None
            self.state.offer(note)

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    @property
    def cursor(self):
        return self.state.cursor

    @property
    def db_id(self):
        return self.state.db_id

    def close(self):
        if self._conn:
            self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
