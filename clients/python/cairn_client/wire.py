"""msgpack-RPC framing (ipc/README.md): requests ``[0, msgid, method, [params]]``,
responses ``[1, msgid, error, result]``, notifications ``[2, method, params]``.
The stream has no length prefix: a streaming unpacker splits it."""

import msgpack

from . import errors

MAX_MESSAGE = 8 * 1024 * 1024


def unpacker():
    return msgpack.Unpacker(raw=False, strict_map_key=False, unicode_errors="surrogateescape",
                            max_buffer_size=2 * MAX_MESSAGE)


def request(msgid, method, params):
    data = msgpack.packb([0, msgid, method, [params if params is not None else {}]],
                         use_bin_type=True)
    if len(data) > MAX_MESSAGE:  # the daemon would close the connection on it
        raise errors.TooLarge(f"a message is at most {MAX_MESSAGE} bytes; this one is "
                              f"{len(data)} (not sent)", kind=1)
    return data


def violation(params):
    """The error of a ``[2, "error", [[kind, "CODE: message"]]]`` notification,
    sent before the daemon closes a connection for a protocol violation."""
    if isinstance(params, list) and params:
        return errors.from_wire(params[0])
    return errors.CairnError(str(params), code="UNKNOWN")


def join_params(params, kwargs):
    """``call("m", {...})`` and ``call("m", key=value)`` both build one map."""
    if params is None:
        return dict(kwargs)
    if kwargs:
        merged = dict(params)
        merged.update(kwargs)
        return merged
    return params
