"""The asyncio client: requests are pipelined on one connection and replies
matched by msgid, so concurrent ``await client.call(...)`` share it."""

import asyncio

from . import api, daemon, errors, wire
from .client import BASE_READS
from .feed import Feed, FeedState, _since_params


class AsyncConnection:
    def __init__(self, reader, writer, path):
        self.path = path
        self.reader = reader
        self.writer = writer
        self.next_id = 1
        self.pending = {}
        self.notifications = asyncio.Queue()
        self.broken = None
        self.task = asyncio.ensure_future(self._read_loop())

    @classmethod
    async def open(cls, path, connect_timeout=2.0):
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(path, limit=1 << 20), connect_timeout)
        except (OSError, asyncio.TimeoutError) as e:
            raise errors.Unavailable(f"no cairnd answers on {path}: "
                                     f"{getattr(e, 'strerror', None) or e or 'timeout'}") from e
        return cls(reader, writer, path)

    async def _read_loop(self):
        unpacker = wire.unpacker()
        error = errors.Unavailable(f"cairnd on {self.path} closed the connection")
        try:
            while True:
                data = await self.reader.read(1 << 16)
                if not data:
                    break
                unpacker.feed(data)
                for msg in unpacker:
                    if msg[0] == 1:
                        fut = self.pending.pop(msg[1], None)
                        if fut and not fut.done():
                            if msg[2] is not None:
                                fut.set_exception(errors.from_wire(msg[2]))
                            else:
                                fut.set_result(msg[3])
                    elif msg[0] == 2 and msg[1] == "error":
                        error = wire.violation(msg[2])
                    elif msg[0] == 2:
                        self.notifications.put_nowait((msg[1], msg[2]))
        except (OSError, ValueError) as e:
            error = errors.Unavailable(f"cairnd on {self.path} went away: {e}")
        except asyncio.CancelledError:
            error = errors.Unavailable("the connection was closed")
        self._fail(error)

    def _fail(self, error):
        self.broken = self.broken or error
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(self.broken)
        self.pending.clear()
        self.notifications.put_nowait(None)
        self.writer.close()

    async def call(self, method, params, timeout=None):
        if self.broken:
            raise self.broken
        msgid = self.next_id
        self.next_id = (self.next_id + 1) & 0xFFFFFFFF or 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[msgid] = fut
        try:
            self.writer.write(wire.request(msgid, method, params))
            await self.writer.drain()
        except OSError:
            # The read loop fails the future once the connection ends, with the
            # daemon's error notification (TOO_LARGE, ...) when one came.
            timeout = 1 if timeout is None else min(timeout, 1)
        if timeout is None:
            return await fut
        # A timer rather than asyncio.wait_for, which wraps every call in a task.
        def expire():
            if self.pending.pop(msgid, None) is fut and not fut.done():
                fut.set_exception(errors.Unavailable(f"no reply within {timeout} s"))
        timer = asyncio.get_running_loop().call_later(timeout, expire)
        try:
            return await fut
        finally:
            timer.cancel()

    async def notification(self):
        """The next notification; raises Unavailable once the connection ended."""
        note = await self.notifications.get()
        if note is None:
            self.notifications.put_nowait(None)
            raise self.broken
        return note

    async def close(self):
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        self.broken = self.broken or errors.Unavailable("the connection was closed")


class AsyncClient:
    """The asyncio client. ``client = await AsyncClient.connect()``; then as the
    blocking :class:`~cairn_client.Client`, with every call awaited. Helpers from
    ``daemon.describe`` are loaded at connect (``await client.tasks.create(...)``)."""

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
        self._conn = None
        self._describe = None
        self._api = {}
        self._connecting = None

    @classmethod
    async def connect(cls, socket_path=None, **options):
        self = cls(socket_path, **options)
        self._conn = await self.open_connection()
        await self._load_api()
        return self

    async def open_connection(self):
        try:
            return await AsyncConnection.open(self.socket_path, self.connect_timeout)
        except errors.Unavailable:
            if not self.autostart:
                raise
        await asyncio.get_running_loop().run_in_executor(
            None, daemon.spawn_daemon, self.socket_path, self.cairnd, self.start_timeout)
        return await AsyncConnection.open(self.socket_path, self.connect_timeout)

    async def wait_for_daemon(self, timeout=None):
        timeout = self.reconnect_timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        pause = 0.02
        while True:
            try:
                return await self.open_connection()
            except errors.Unavailable:
                if loop.time() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    async def _load_api(self):
        try:
            self._describe = await self._conn.call("daemon.describe", {}, self.timeout)
        except errors.MethodNotFound:
            self._describe = None
            self._api = {}
            return
        self._api = api.build(self._describe, self.call)

    async def _connection(self):
        if self._conn is not None and not self._conn.broken:
            return self._conn
        if self._conn is not None and not self.reconnect:
            raise self._conn.broken
        if self._connecting is None:  # one reconnect for every caller waiting on it
            self._connecting = asyncio.ensure_future(self._reconnect())
        try:
            await asyncio.shield(self._connecting)
        finally:
            if self._connecting is not None and self._connecting.done():
                self._connecting = None
        return self._conn

    async def _reconnect(self):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_timeout
        while True:
            self._conn = await self.wait_for_daemon(max(deadline - loop.time(), 0))
            try:
                await self._load_api()  # the daemon may be another version now
            except errors.Unavailable:
                # A connection made while a killed daemon's socket is torn down is reset.
                if loop.time() < deadline:
                    continue
                raise
            self.reconnects += 1
            return

    async def call(self, method, params=None, /, *, _timeout=None, **kwargs):
        params = wire.join_params(params, kwargs)
        timeout = self.timeout if _timeout is None else _timeout
        deadline = asyncio.get_running_loop().time() + self.reconnect_timeout
        while True:
            conn = await self._connection()
            try:
                return await conn.call(method, params, timeout)
            except errors.Unavailable:
                # A read is repeated on the next connection; a write never is.
                if not (self.reconnect and conn.broken and self._is_read(method)
                        and asyncio.get_running_loop().time() < deadline):
                    raise

    def _is_read(self, method):
        if method in BASE_READS:
            return True
        return bool(self._describe) and method in api.read_methods(self._describe)

    async def ping(self):
        return await self.call("daemon.ping")

    async def describe(self, refresh=False):
        if self._describe is None or refresh:
            self._describe = await self.call("daemon.describe")
            self._api = api.build(self._describe, self.call)
        return self._describe

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._api:
            return self._api[name]
        if self._describe is None:
            raise AttributeError(f"{name}: this cairnd has no daemon.describe; use "
                                 f"await client.call('{name}.<method>', ...)")
        raise AttributeError(f"cairnd has no method namespace {name!r}")

    async def close(self):
        if self._conn:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self):
        if self._conn is None:
            self._conn = await self.open_connection()
            await self._load_api()
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def changes_since(self, cursor=0, *, topics=None, db_id=None, limit=None):
        """An :class:`AsyncFeed`: ``async for change in await client.changes_since(c)``."""
        feed = AsyncFeed(self.call, cursor, topics, limit)
        await feed._first(db_id)
        return feed

    async def subscribe(self, topics, *, since=None, db_id=None):
        """An async iterator of events, as the blocking client's ``subscribe``."""
        sub = AsyncSubscription(self, topics, since, db_id)
        await sub._open()
        return sub


class AsyncFeed(Feed):
    def __init__(self, call, cursor, topics, limit):  # pylint: disable=super-init-not-called
        self._call = call
        self._topics = topics
        self._limit = limit
        self.cursor = cursor

    async def _fetch(self, db_id):
        page = await self._call("changes.since", _since_params(self.cursor, self._topics, db_id,
                                                               self._limit))
        self.db_id = page["db_id"]
        return page

    async def _first(self, db_id):
        self._page = await self._fetch(db_id)
        self.fresh_instance = bool(self._page["fresh_instance"])
        if self.fresh_instance:
            self.cursor = self._page["cursor"]

    def __iter__(self):
        raise TypeError("use async for")

    async def __aiter__(self):
        page = self._page
        while page is not None:
            for change in page["changes"]:
                self.cursor = change["cursor"]
                yield change
            self.cursor = page["cursor"]
            page = await self._fetch(self.db_id) if page["has_more"] else None
        self._page = {"changes": [], "cursor": self.cursor, "has_more": False}


class AsyncSubscription:
    def __init__(self, client, topics, since, db_id):
        self.client = client
        self.topics = list(topics)
        self.state = FeedState(self.topics, since, db_id)
        self.reconnects = 0
        self._conn = None

    async def _open(self):
        c = self.client
        if self._conn is None:
            return await self._subscribe(await c.open_connection())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + c.reconnect_timeout
        while True:
            try:
                return await self._subscribe(
                    await c.wait_for_daemon(max(deadline - loop.time(), 0)))
            except errors.Unavailable:
                # A connection made while a killed daemon's socket is torn down is reset.
                if loop.time() >= deadline:
                    raise

    async def _subscribe(self, conn):
        c = self.client
        self._conn = conn
        await conn.call("events.subscribe", {"topics": self.topics}, c.timeout)
        reply = await conn.call("changes.since", self.state.first_request(), c.timeout)
        while not self.state.apply(reply):
            reply = await conn.call("changes.since", self.state.next_request(), c.timeout)

    async def next(self, timeout=None):
        """The next event, or None after ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except asyncio.TimeoutError:
            return None

    def __aiter__(self):
        return self

    async def __anext__(self):
        while True:
            event = self.state.pop()
            if event is not None:
                return event
            try:
                note = await self._conn.notification()
            except errors.Unavailable:
                if not self.client.reconnect:
                    raise
                await self._open()
                self.reconnects += 1
                continue
            self.state.offer(note)

    @property
    def cursor(self):
        return self.state.cursor

    @property
    def db_id(self):
        return self.state.db_id

    async def close(self):
        if self._conn:
            await self._conn.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
