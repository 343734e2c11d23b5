"""Method helpers built at run time from daemon.describe."""

import asyncio
import inspect

import pytest

from cairn_client import AsyncClient, Client, errors


def test_helpers_come_from_daemon_describe_and_call_their_method(cairnd):
    with Client(cairnd.socket) as c:
        described = {m["name"] for m in c.describe()["methods"]}
        assert {"tasks.create", "prefs.set", "daemon.ping"} <= described
        task = c.tasks.create(title="write the report")
        assert task["title"] == "write the report"
        assert c.prefs.set(category="ui", key="k", value=1)["value"] == 1
        assert c.daemon.ping() == "pong"
        sig = inspect.signature(c.tasks.create)
        assert sig.parameters["title"].kind is inspect.Parameter.KEYWORD_ONLY
        assert sig.parameters["title"].default is inspect.Parameter.empty  # required
        assert c.tasks.create.kind == "write" and "title" in c.tasks.create.__doc__
        assert "tasks" in dir(c)
        with pytest.raises(errors.InvalidParams):
            c.tasks.create(title="x", no_such_parameter=1)
        with pytest.raises(AttributeError):
            c.no_such_namespace  # pylint: disable=pointless-statement


def test_a_parameter_named_by_a_python_keyword_is_passed_as_a_map_entry(cairnd):
    with Client(cairnd.socket) as c:
        sig = inspect.signature(c.time.report)
        assert "from" not in sig.parameters
        assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())
        report = c.time.report(**{"from": 0, "to": 86_400_000})
        assert isinstance(report, dict)


def test_every_described_method_has_a_helper(cairnd):
    with Client(cairnd.socket) as c:
        for m in c.describe()["methods"]:
            obj = c
            for part in m["name"].split("."):
                obj = getattr(obj, part)
            assert obj.method == m["name"]


def test_helpers_are_rebuilt_after_a_reconnect(cairnd):
    with Client(cairnd.socket) as c:
        first = c.tasks.create
        cairnd.restart()
        assert c.ping() == "pong" and c.reconnects == 1
        assert c.tasks.create is not first
        assert c.tasks.create(title="after")["title"] == "after"


def test_async_helpers_return_awaitables(cairnd):
    async def main():
        async with AsyncClient(cairnd.socket) as c:
            task = await c.tasks.create(title="async")
            assert task["title"] == "async"
            assert await c.daemon.ping() == "pong"
    asyncio.run(main())
