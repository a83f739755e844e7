"""What a complete request gets: 405, 401, 429 or 503 before any work, else the handler's response.

The handler (rendering /metrics) runs on a few application threads, so the event
loop keeps reading other connections meanwhile. bcrypt runs on a thread of its
own (see auth.py), behind a short queue shared fairly between client addresses
(password_checks.py): new passwords wait there, never on an application
thread, and a request finding no room is answered at once; auth_log.py says
who sent wrong ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .auth import BasicAuth, parse_basic_authorization
from .auth_log import WrongPasswordLog
from .http_protocol import ALLOWED_METHODS, Request, text_response
from .password_checks import CLIENT_BUSY, QUEUE_FULL, PasswordChecks
from .ratelimit import RateLimiter
from .server_config import WebConfig

log = logging.getLogger(__name__)

Response = tuple[int, list[tuple[str, str]], bytes]
Handler = Callable[[Request], Response]

APP_THREADS = 4
RETRY_AFTER_S = 1  # what a request finding bcrypt's queue full is told
CLOSE = ("Connection", "close")  # in a response's headers: the server closes the connection after it


class _NoRoom(Exception):
    """bcrypt's queue has no room for these credentials: answered with this response."""

    def __init__(self, response: Response):
        self.response = response


class Answerer:
    """Answers on ``loop`` (the server's event loop), where :meth:`answer` is awaited."""

    def __init__(self, handler: Handler, web_config: WebConfig, loop: asyncio.AbstractEventLoop):
        self.handler = handler
        self.loop = loop
        self.wrong_passwords = WrongPasswordLog(loop.call_later)
        self.auth = BasicAuth(web_config.users)
        limit = web_config.rate_limit
        self.limiter = RateLimiter(limit.interval, limit.burst) if limit.interval > 0 else None
        self._app_pool = ThreadPoolExecutor(APP_THREADS, thread_name_prefix="http-app")
        self._bcrypt_pool = ThreadPoolExecutor(1, thread_name_prefix="http-bcrypt")
        self.checks = PasswordChecks(self.auth.verify, self._bcrypt_pool, loop)

    async def answer(self, request: Request, client: str, waiting: Callable[[bool], None] | None = None) -> tuple[Response, bool]:
        """The response to ``request`` from ``client`` (its address), and whether it authenticated.

        ``waiting(True)`` is called when the request starts waiting for bcrypt, ``waiting(False)`` when done.
        """
        if request.method not in ALLOWED_METHODS:
            status, headers, body = text_response(405, f"Method {request.method} not allowed: use GET or HEAD")
            return (status, [*headers, ("Allow", "GET, HEAD")], body), False
        authenticated = False
        if self.auth:
            try:
                authenticated = await self._authorised(request, client, waiting)
            except _NoRoom as no_room:
                return no_room.response, False
            if not authenticated:
                status, headers, body = text_response(401)
                return (status, [*headers, ("WWW-Authenticate", 'Basic realm="linky-exporter"')], body), False
        if self.limiter is not None and not self.limiter.allow():
            return text_response(429), authenticated
        try:
            return await self.loop.run_in_executor(self._app_pool, self.handler, request), authenticated
        except Exception:  # a bug of ours: one 500 and its traceback in the log, the server goes on
            log.exception("error answering %s %s", request.method, request.path)
            return text_response(500), authenticated

    def shutdown(self) -> None:
        """Drop the requests still queued; those being answered finish on their own."""
        self._app_pool.shutdown(wait=False, cancel_futures=True)
        self._bcrypt_pool.shutdown(wait=False, cancel_futures=True)

    async def _authorised(self, request: Request, client: str, waiting: Callable[[bool], None] | None) -> bool:
        """Raises _NoRoom when bcrypt's queue has no room for a check these credentials need."""
        credentials = parse_basic_authorization(request.headers.get("authorization"))
        if credentials is None:
            return False  # a browser's first request: not worth a line in the log
        verdict = self.auth.cached(*credentials)
        if verdict is None:
            if waiting is not None:
                waiting(True)
            try:
                verdict = await self.checks.check(client, self.auth.cache_key(*credentials), *credentials)
            finally:
                if waiting is not None:
                    waiting(False)
            if verdict == CLIENT_BUSY:
                raise _NoRoom(_retry_later(429, "Too many password checks from your address under way: retry later"))
            if verdict == QUEUE_FULL:
                raise _NoRoom(_retry_later(503, "Too many password checks under way: retry later"))
        if not verdict:
            self.wrong_passwords.note(client, credentials[0].decode(errors="replace"))
        return verdict is True


def _retry_later(status: int, text: str) -> Response:
    """Answered at once, and the connection closed: a client that does not wait as told
    must connect again for its next try, which a crowd's address finds hard (connections.py)."""
    status, headers, body = text_response(status, text)
    return status, [*headers, ("Retry-After", str(RETRY_AFTER_S)), CLOSE], body
