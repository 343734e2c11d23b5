"""The asyncio AsyncClient against a real cairnd (each test runs its own loop)."""

import asyncio
import os

import pytest

from cairn_client import AsyncClient, errors


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_async_calls_are_pipelined_on_one_connection_and_matched_by_msgid(cairnd):
    async def main():
        async with AsyncClient(cairnd.socket) as c:
            results = await asyncio.gather(
                *[c.call("prefs.set", category="p", key=f"k{i}", value=i) for i in range(50)],
                *[c.ping() for _ in range(50)])
            assert [r["value"] for r in results[:50]] == list(range(50))
            assert results[50:] == ["pong"] * 50
            status = await c.call("daemon.status")
            assert status["connections"]["open"] == 1
    run(main())


def test_async_errors_raise_the_class_of_their_code(cairnd):
    async def main():
        c = await AsyncClient.connect(cairnd.socket)
        with pytest.raises(errors.NotFound) as info:
            await c.call("prefs.get", category="x", key="absent")
        assert info.value.code == "NOT_FOUND" and info.value.message
        with pytest.raises(errors.InvalidParams):
            await c.call("prefs.get", category="x")
        with pytest.raises(errors.TooLarge, match="not sent"):
            await c.call("prefs.set", category="x", key="y", value=b"\0" * (8 * 1024 * 1024))
        assert await c.ping() == "pong" and c.reconnects == 0
        await c.close()
    run(main())


def test_async_calls_reconnect_after_a_restart_and_fail_without_reconnect(cairnd):
    async def main():
        c = await AsyncClient.connect(cairnd.socket)
        strict = await AsyncClient.connect(cairnd.socket, reconnect=False)
        cairnd.restart()
        await asyncio.sleep(0.1)
        assert await c.ping() == "pong" and c.reconnects == 1
        with pytest.raises(errors.Unavailable):
            await strict.ping()
        await c.close()
        await strict.close()
    run(main())


def test_async_autostart_starts_the_daemon(home):
    from conftest import cairnd_binary

    async def main():
        path = os.path.join(home, "auto", "cairnd.sock")
        c = await AsyncClient.connect(path, autostart=True, cairnd=cairnd_binary())
        assert (await c.call("daemon.status"))["socket"] == path
        await c.call("daemon.shutdown")
        await c.close()
    run(main())


def test_async_changes_since_pages(cairnd):
    async def main():
        async with AsyncClient(cairnd.socket) as c:
            for i in range(7):
                await c.call("prefs.set", category="pg", key=str(i), value=i)
            feed = await c.changes_since(0, topics=["prefs"], limit=3)
            ids = [ch["id"] async for ch in feed]
            assert ids == [f"pg/{i}" for i in range(7)]
            assert not feed.fresh_instance and feed.cursor > 0
            other = await c.changes_since(feed.cursor, db_id="not-this-one")
            assert other.fresh_instance
    run(main())


def test_async_subscription_resumes_after_a_restart_and_reports_a_new_database(cairnd, home):
    async def main():
        c = await AsyncClient.connect(cairnd.socket)
        events = await c.subscribe(["prefs"])
        await c.call("prefs.set", category="s", key="live", value=1)
        assert (await events.next(5))["id"] == "s/live"
        cairnd.kill()
        cairnd.start()
        await asyncio.sleep(0.1)  # the loop was blocked above: let it see the closed socket
        await c.call("prefs.set", category="s", key="missed", value=2)
        got = await events.next(10)
        assert got["id"] == "s/missed" and got["replayed"] is True
        assert await events.next(0.2) is None
        old = events.db_id
        cairnd.restart(data_dir=os.path.join(home, "other"))
        await asyncio.sleep(0.1)
        await c.call("prefs.set", category="s", key="elsewhere", value=3)
        notice = await events.next(10)
        assert notice["kind"] == "fresh_instance" and notice["previous_db_id"] == old
        await c.call("prefs.set", category="s", key="next", value=4)
        assert (await events.next(5))["id"] == "s/next"
        assert events.reconnects == 2
        await events.close()
        await c.close()
    run(main())


def test_async_read_in_flight_is_repeated_after_a_reconnect_and_a_write_is_not(cairnd):
    from test_client import _restart_later

    async def main():
        c = await AsyncClient.connect(cairnd.socket)
        await c.call("prefs.set", category="w", key="k", value=1)
        t = _restart_later(cairnd, 0.3)
        assert await c.ping() == "pong"
        await asyncio.get_running_loop().run_in_executor(None, t.join)
        assert c.reconnects >= 1
        t = _restart_later(cairnd, 0.3)
        with pytest.raises(errors.Unavailable):
            await c.call("prefs.set", category="w", key="k", value=2)
        await asyncio.get_running_loop().run_in_executor(None, t.join)
        assert (await c.call("prefs.get", category="w", key="k"))["value"] == 1
        await c.close()
    run(main())
