"""A client of cairnd, cairn's per-user daemon (msgpack-RPC over a Unix socket).

    from cairn_client import Client
    with Client(autostart=True) as cairn:
        cairn.call("prefs.set", category="ui", key="theme", value="dark")
        task = cairn.tasks.create(title="write the report")
        for event in cairn.subscribe(["tasks"]):
            print(event)
"""

from .aio import AsyncClient, AsyncSubscription
from .client import Client, Subscription
from .daemon import default_socket_path, spawn_daemon
from .errors import (BY_CODE, Busy, CairnError, Conflict, Internal, InvalidParams, InvalidRequest,
                     IoError, MethodNotFound, NotFound, ParseError, TooLarge, Unauthorized,
                     Unavailable)

__all__ = [
    "AsyncClient", "AsyncSubscription", "Client", "Subscription", "default_socket_path",
    "spawn_daemon", "BY_CODE", "Busy", "CairnError", "Conflict", "Internal", "InvalidParams",
    "InvalidRequest", "IoError", "MethodNotFound", "NotFound", "ParseError", "TooLarge",
    "Unauthorized", "Unavailable",
]
