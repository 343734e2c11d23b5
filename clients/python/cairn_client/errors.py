"""cairn's error codes as exceptions.

A failed request carries ``[kind, "CODE: message"]`` (ipc/README.md, Errors);
it becomes the subclass of :class:`CairnError` named for CODE, with ``.code``,
``.message`` (the text after the code) and ``.kind`` (1 when the caller can fix
it, 0 when the daemon failed). :class:`Unavailable` is the client's own: no
daemon answers, or the connection closed before the reply came.
"""


class CairnError(Exception):
    """Base of every error this package raises."""

    code = "UNKNOWN"
    retryable = False

    def __init__(self, message, code=None, kind=None):
        super().__init__(f"{code or self.code}: {message}")
        if code is not None:
            self.code = code
        self.message = message
        self.kind = kind


class ParseError(CairnError):
    code = "PARSE_ERROR"


class InvalidRequest(CairnError):
    code = "INVALID_REQUEST"


class MethodNotFound(CairnError):
    code = "METHOD_NOT_FOUND"


class InvalidParams(CairnError):
    code = "INVALID_PARAMS"


class NotFound(CairnError):
    code = "NOT_FOUND"


class Conflict(CairnError):
    code = "CONFLICT"


class TooLarge(CairnError):
    code = "TOO_LARGE"


class Busy(CairnError):
    code = "BUSY"
    retryable = True


class Unauthorized(CairnError):
    code = "UNAUTHORIZED"


class IoError(CairnError):
    """The storage failed: a write's outcome is unknown (repeat it with the same id)."""

    code = "IO_ERROR"
    retryable = True


class Internal(CairnError):
    code = "INTERNAL"


class Unavailable(CairnError, ConnectionError):
    """No cairnd answers on the socket, or the connection closed mid-request."""

    code = "UNAVAILABLE"
    retryable = True


BY_CODE = {
    cls.code: cls
    for cls in (ParseError, InvalidRequest, MethodNotFound, InvalidParams, NotFound, Conflict,
                TooLarge, Busy, Unauthorized, IoError, Internal, Unavailable)
}


def from_wire(error):
    """The exception for a reply's error field ``[kind, "CODE: message"]``."""
    kind = None
    text = error
    if isinstance(error, (list, tuple)) and len(error) == 2:
        kind, text = error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text)
    code, sep, message = text.partition(": ")
    if not sep or not code.replace("_", "").isupper():
        return CairnError(text, code="UNKNOWN", kind=kind)
    cls = BY_CODE.get(code, CairnError)
    return cls(message, code=code, kind=kind)
