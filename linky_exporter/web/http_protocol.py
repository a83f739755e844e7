"""HTTP/1.1 for the exporter: requests parsed by h11, responses written here. Pure: no I/O.

h11 reads each request (request line, headers, framing, Host, Content-Length);
this module adds what the exporter needs on top: limits (16 KiB of head, 64 KiB
of body read and dropped, no Transfer-Encoding), the versions served (1.0 and
1.1), blank lines before a request ignored (RFC 9112 2.2), and ``Expect``.
Whatever is wrong with a request becomes a :class:`BadRequest` with a status:
the server answers it and closes the connection, so it never has to guess
where the next request starts.

Responses are written here rather than by h11: in the request's version (an
HTTP/1.0 client gets ``HTTP/1.0 200 OK``, as Go answers) and with the body's
Content-Length on HEAD too; writing them is a few microseconds, h11's writer
ten times that.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import unquote

import h11

MAX_HEAD_BYTES = 16 * 1024
MAX_BODY_BYTES = 64 * 1024  # a GET's body is read and dropped, up to this
ALLOWED_METHODS = ("GET", "HEAD")
_BLANK = b"\r\n"

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Content Too Large",
    417: "Expectation Failed",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}


class BadRequest(Exception):
    """A request answered with ``status`` and a closed connection.

    ``unexpected``: not the client's fault as far as we know (the parser failed
    in a way it should not): worth a traceback in the log.
    """

    def __init__(self, status: int, message: str, unexpected: bool = False):
        super().__init__(message)
        self.status = status
        self.unexpected = unexpected


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # percent-decoded
    query: str
    version: str  # HTTP/1.0 or HTTP/1.1
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body_length: int
    #: The client waits for ``100 Continue`` before it sends its body: it is answered
    #: at once instead, without the body, and the connection closed after the answer.
    body_unread: bool = False

    @property
    def keep_alive(self) -> bool:
        if self.version == "HTTP/1.0" or self.body_unread:
            return False  # HTTP/1.0 keep-alive is rare enough to be worth no code
        return "close" not in (token.strip().lower() for token in self.headers.get("connection", "").split(","))


class RequestParser:
    """Bytes in (:meth:`receive`), requests out (:meth:`next_request`), one request at a time.

    Pipelined requests wait in the parser until :meth:`next_cycle`: the server
    answers them in order, one by one.
    """

    def __init__(self) -> None:
        self._new_cycle(b"")

    def receive(self, data: bytes) -> None:
        """Bytes from the client (never the empty end of stream: the server handles that itself)."""
        if self._request is None:
            self._head_bytes += len(data)
            if not self._started:  # blank lines before a request line are ignored (RFC 9112 2.2)
                data = data.lstrip(_BLANK)
                self._started = bool(data)
        self._h11.receive_data(data)

    def next_request(self) -> Request | None:
        """The next complete request, or None until more bytes come. Raises BadRequest."""
        try:
            return self._next_request()
        except BadRequest:
            raise
        except h11.RemoteProtocolError as error:
            raise BadRequest(error.error_status_hint, str(error)) from None
        except Exception as error:  # h11 or our code failing on odd input: still a status, never a 500
            raise BadRequest(400, f"malformed request ({type(error).__name__})", unexpected=True) from error

    def next_cycle(self) -> None:
        """After a response: what the client sent past its last request is the next one's start."""
        leftover, _ = self._h11.trailing_data
        self._new_cycle(bytes(leftover))

    def _new_cycle(self, leftover: bytes) -> None:
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_BYTES)
        self._request: Request | None = None
        self._head_bytes = 0
        self._started = False
        if leftover:
            self.receive(leftover)

    def _next_request(self) -> Request | None:
        if not self._started and self._request is None:
            return None  # nothing but blank lines yet: no need to ask h11
        while True:
            event = self._h11.next_event()
            if event is h11.NEED_DATA:
                if self._request is None and self._head_bytes > MAX_HEAD_BYTES:
                    raise BadRequest(431, "request head too large")
                return None
            if isinstance(event, h11.Request):
                # h11 bounds an unfinished head; a head that came whole in one read is measured here.
                if self._head_bytes - len(self._h11.trailing_data[0]) > MAX_HEAD_BYTES:
                    raise BadRequest(431, "request head too large")
                self._request = _request(event)
                if self._h11.they_are_waiting_for_100_continue:
                    return _replace_body_unread(self._request)
            elif isinstance(event, h11.EndOfMessage):
                assert self._request is not None
                return self._request
            elif isinstance(event, h11.ConnectionClosed):  # the server reads the end of stream itself
                return None
            elif event is h11.PAUSED:  # cannot happen before EndOfMessage; no guessing either way
                raise BadRequest(400, "unexpected request state", unexpected=True)
            # h11.Data: a body, within the Content-Length checked in _request: dropped


def _request(event: h11.Request) -> Request:
    """Our Request from h11's, with the exporter's own checks. Raises BadRequest."""
    version = event.http_version
    if version not in (b"1.0", b"1.1"):
        raise BadRequest(505, "only HTTP/1.0 and HTTP/1.1 are served")
    headers: dict[str, str] = {}
    for name, value in event.headers.raw_items():  # a list: iterating Headers itself is ten times slower
        key = name.decode("ascii").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    if "transfer-encoding" in headers:
        raise BadRequest(501, "request bodies are not accepted")
    body_length = int(headers.get("content-length", "0"))  # h11 has checked it: 1 to 20 digits
    if body_length > MAX_BODY_BYTES:
        raise BadRequest(413, "request body too large")
    expect = headers.get("expect")
    if expect is not None and expect.lower() != "100-continue":
        raise BadRequest(417, "only Expect: 100-continue is understood")
    path, query = _split_target(event.target)
    return Request(event.method.decode("ascii"), path, query, "HTTP/" + version.decode(), headers, body_length)


def _replace_body_unread(request: Request) -> Request:
    return Request(request.method, request.path, request.query, request.version, request.headers, request.body_length, True)


def _split_target(target: bytes) -> tuple[str, str]:
    text = target.decode("ascii")  # h11 allows visible ASCII only
    if text.startswith(("http://", "https://")):  # absolute form: keep the path
        text = "/" + text.split("://", 1)[1].partition("/")[2]
    if not text.startswith("/"):
        raise BadRequest(400, "the request target must be a path")
    path, _, query = text.partition("?")
    return unquote(path, errors="replace"), query


def reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


def response_bytes(
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    head_only: bool = False,
    close: bool = False,
    version: str = "HTTP/1.1",
) -> bytes:
    """A whole response, in the request's version as Go answers. Content-Length is always the body's (HEAD too)."""
    lines = [f"{version} {status} {reason(status)}"]
    for name, value in headers:
        if name.lower() not in ("content-length", "connection", "date"):
            lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    lines.append(f"Date: {formatdate(usegmt=True)}")
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + body


def text_response(status: int, text: str | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    body = ((text if text is not None else reason(status)) + "\n").encode()
    return status, [("Content-Type", "text/plain; charset=utf-8")], body
