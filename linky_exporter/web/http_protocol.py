"""The little of HTTP/1.1 the exporter needs: parse a request head, write a response. Pure: no I/O.

Requests are GET or HEAD with no body worth reading; anything unusual gets a
status and the connection closes, so the server never has to guess where the
next request starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import unquote

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100
MAX_BODY_BYTES = 64 * 1024  # a GET's body is read and dropped, up to this
ALLOWED_METHODS = ("GET", "HEAD")

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Content Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}


class BadRequest(Exception):
    """A request answered with ``status`` and a closed connection."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # percent-decoded
    query: str
    version: str  # HTTP/1.0 or HTTP/1.1
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body_length: int

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return False  # HTTP/1.0 keep-alive is rare enough to be worth no code
        return "close" not in connection


def head_end(buffer: bytes | bytearray) -> int | None:
    """Where the request head ends in ``buffer`` (after its blank line), or None if it has not yet."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = buffer.find(separator)
        if index >= 0:
            return index + len(separator)
    return None


def parse_request_head(head: bytes) -> Request:
    """The request line and headers. Raises BadRequest."""
    lines = head.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")
    while lines and not lines[0]:  # RFC 9112: a server ought to ignore blank lines before the request line
        lines.pop(0)
    if not lines:
        raise BadRequest(400, "empty request")
    parts = lines[0].split(b" ")
    if len(parts) != 3:
        raise BadRequest(400, "malformed request line")
    method_bytes, target_bytes, version_bytes = parts
    if not _TOKEN.fullmatch(method_bytes):
        raise BadRequest(400, "malformed method")
    if version_bytes not in (b"HTTP/1.0", b"HTTP/1.1"):
        if version_bytes.startswith(b"HTTP/"):
            raise BadRequest(505, "only HTTP/1.0 and HTTP/1.1 are served")
        raise BadRequest(400, "malformed request line")
    if len(lines) - 1 > MAX_HEADERS:
        raise BadRequest(431, "too many headers")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise BadRequest(400, "malformed header line")
        key = name.decode("ascii").lower()
        text = value.strip(b" \t").decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    path, query = _split_target(target_bytes)
    if "transfer-encoding" in headers:
        raise BadRequest(501, "request bodies are not accepted")
    length_text = headers.get("content-length", "0")
    if not length_text.isdigit():
        raise BadRequest(400, "malformed Content-Length")
    body_length = int(length_text)
    if body_length > MAX_BODY_BYTES:
        raise BadRequest(413, "request body too large")
    return Request(method_bytes.decode(), path, query, version_bytes.decode(), headers, body_length)


def _split_target(target: bytes) -> tuple[str, str]:
    try:
        text = target.decode("ascii")
    except UnicodeDecodeError:
        raise BadRequest(400, "non-ASCII request target") from None
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
