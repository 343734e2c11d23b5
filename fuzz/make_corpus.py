#!/usr/bin/env python3
"""Writes the seed corpus of both fuzz targets (fuzz/corpus/{frame,dispatch}/).

Run from anywhere; overwrites the seed files it owns (seed-*), leaves the
inputs libFuzzer added alone. Needs only the Python standard library.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def pack(v):
    """A minimal msgpack encoder: None, bool, int, float, str, bytes, list, dict."""
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack("b", v)
        if 0 <= v < 2**32:
            return b"\xce" + struct.pack(">I", v)
        if 0 <= v < 2**64:
            return b"\xcf" + struct.pack(">Q", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        v = v.encode("utf-8", "surrogateescape")
        return (bytes([0xA0 | len(v)]) if len(v) < 32 else b"\xdb" + struct.pack(">I", len(v))) + v
    if isinstance(v, bytes):
        return b"\xc4" + bytes([len(v)]) + v if len(v) < 256 else b"\xc6" + struct.pack(">I", len(v)) + v
    if isinstance(v, list):
        head = bytes([0x90 | len(v)]) if len(v) < 16 else b"\xdc" + struct.pack(">H", len(v))
        return head + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        head = bytes([0x80 | len(v)]) if len(v) < 16 else b"\xde" + struct.pack(">H", len(v))
        return head + b"".join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(v)


def req(msgid, method, args=None):
    return pack([0, msgid, method, [] if args is None else [args]])


# Valid requests over several domains (what a client would send).
VALID = {
    "ping": req(1, "daemon.ping"),
    "hello": req(2, "daemon.hello", {"client": "fuzz", "version": "0"}),
    "status": req(3, "daemon.status"),
    "prefs-set-get": req(4, "prefs.set", {"category": "ui", "key": "k", "value": {"a": [1, 2.5, None]}})
    + req(5, "prefs.get", {"category": "ui", "key": "k"}),
    "prefs-list": req(6, "prefs.list", {"category": "ui"}),
    "tasks-create-list": req(7, "tasks.create", {"title": "write the fuzzer"})
    + req(8, "tasks.list", {}) + req(9, "tasks.ready", {}),
    "tasks-update": req(10, "tasks.update", {"id": 1, "title": "x", "status": "done"}),
    "tasks-depend": req(11, "tasks.depend", {"id": 1, "on": 2}),
    "sessions-messages": req(12, "sessions.create", {"id": "s1", "title": "t"})
    + req(13, "messages.append", {"id": "m1", "session_id": "s1", "role": "user", "content": "hi"})
    + req(14, "messages.page", {"session_id": "s1"}),
    "knowledge": req(15, "knowledge.create", {"kind": "note", "title": "n", "content": "body"})
    + req(16, "knowledge.list", {}),
    "search": req(17, "search.query", {"q": "hello"}),
    "search-fts-syntax": b"".join(req(18 + i, "search.query", {"q": q})
                                  for i, q in enumerate(['"', "NEAR(", "*", "col:x", "a AND", "\udcff\udcfe"])),
    "changes-since": req(30, "changes.since", {"cursor": 0}),
    "events": req(31, "events.subscribe", {"topics": ["tasks"]}) + req(32, "events.unsubscribe", {}),
    "lists": req(33, "lists.create", {"name": "l"}) + req(34, "lists.list", {}),
    "notifications": req(35, "notifications.create", {"title": "Build broke"}) + req(36, "notifications.list", {}),
    "time": req(37, "time.start", {"task_id": 1}) + req(38, "time.active", {}) + req(39, "time.stop", {}),
    "focus-runs-reviews": req(40, "focus.list", {}) + req(41, "runs.list", {}) + req(42, "reviews.list", {}),
    "files-index-db": req(43, "files.list", {"limit": 10}) + req(44, "index.status") + req(45, "db.check"),
    "notification": pack([2, "daemon.ping", []]),
    "response-from-client": pack([1, 7, None, "x"]),
}

# Well-formed msgpack that breaks the RPC shape (row 16 of RELIABILITY.md).
BAD_SHAPE = {
    "wrong-top-type": pack({"a": 1}),
    "type-x": pack([0, "x", "daemon.ping", []]),
    "msgid-2-32": pack([0, 2**32, "daemon.ping", []]),
    "msgid-negative": pack([0, -1, "daemon.ping", []]),
    "method-not-str": pack([0, 1, 7, []]),
    "method-unknown": req(1, "no.such.method"),
    "params-not-array": pack([0, 1, "daemon.ping", {"a": 1}]),
    "wrong-param-types": req(1, "tasks.create", {"title": 5, "priority": "high"}),
    "invalid-utf8": req(1, "prefs.set", {"category": "\udcff", "key": "\udcc3(", "value": "\udcfe"}),
    "short-array": pack([0, 1]),
    "long-array": pack([0, 1, "daemon.ping", [], "extra"]),
    "bin-method": pack([0, 1, b"daemon.ping", []]),
    "float-msgid": pack([0, 1.5, "daemon.ping", []]),
}

# Raw byte streams: bombs, truncation, nesting, every extension type.
RAW = {
    "map32-bomb": b"\xdf\xff\xff\xff\xff",
    "array32-bomb": b"\xdd\xff\xff\xff\xff",
    "str32-bomb": b"\xdb\xff\xff\xff\xff",
    "bin32-bomb": b"\xc6\xff\xff\xff\xff",
    "ext32-bomb": b"\xc9\xff\xff\xff\xff\x01",
    "array-of-array32-bomb": b"\x94\x00\x01\xa1m\xdd\x7f\xff\xff\xff",
    "deep-nesting": b"\x91" * 4000,
    "deep-maps": b"\x81\xa1k" * 200 + b"\xc0",
    "fanout-array16": b"\xdc\xff\xff" + b"\x00" * 65535,
    "truncated-request": req(1, "daemon.ping")[:-2],
    "truncated-header": b"\xdb\x00\x00",
    "never-used-byte": b"\xc1",
    "fixext": b"\x94\x00\x01\xa1m\x91\xd4\x01\x02",
    "ext8-timestamp": b"\x94\x00\x01\xa1m\x91\xd6\xff\x00\x00\x00\x01",
    "floats": pack([0, 1, "prefs.set", [{"category": "c", "key": "k", "value": [float("nan"), float("inf"), -0.0]}]])
    + b"\x94\x00\x02\xa1m\x91\xca\x7f\xc0\x00\x00",
    "ints": pack([0, 1, "m", [[2**63, -2**63, 2**64 - 1, -33, 255, -129]]]),
    "two-then-garbage": req(1, "daemon.ping") + req(2, "daemon.ping") + b"\xc1\xc1",
    "dup-keys": b"\x94\x00\x01\xa1m\x91\x82\xa1a\x01\xa1a\x02",
    "int-keys": b"\x94\x00\x01\xa1m\x91\x81\x01\x02",
}


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


for name, data in {**VALID, **BAD_SHAPE, **RAW}.items():
    write("frame", name, data)
    write("dispatch", name, data)
