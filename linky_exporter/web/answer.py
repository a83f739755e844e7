"""What a complete request gets: 405, 401 or 429 before any work, else the handler's response.

The handler (rendering /metrics) runs on a few application threads, so the event
loop keeps reading other connections meanwhile. bcrypt runs on a thread of its
own (see auth.py): wrong passwords queue there and never hold an application
thread; auth_log.py says who sent them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .auth import BasicAuth, parse_basic_authorization
from .auth_log import WrongPasswordLog
from .http_protocol import ALLOWED_METHODS, Request, text_response
from .ratelimit import RateLimiter
from .server_config import WebConfig

log = logging.getLogger(__name__)

Response = tuple[int, list[tuple[str, str]], bytes]
Handler = Callable[[Request], Response]

APP_THREADS = 4


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

    async def answer(self, request: Request, client: str) -> Response:
        """The response to ``request`` from ``client`` (its address, for the log)."""
        if request.method not in ALLOWED_METHODS:
            status, headers, body = text_response(405, f"Method {request.method} not allowed: use GET or HEAD")
            return status, [*headers, ("Allow", "GET, HEAD")], body
        if self.auth and not await self._authorised(request, client):
            status, headers, body = text_response(401)
            return status, [*headers, ("WWW-Authenticate", 'Basic realm="linky-exporter"')], body
        if self.limiter is not None and not self.limiter.allow():
            return text_response(429)
        try:
            return await self.loop.run_in_executor(self._app_pool, self.handler, request)
        except Exception:  # a bug of ours: one 500 and its traceback in the log, the server goes on
            log.exception("error answering %s %s", request.method, request.path)
            return text_response(500)

    def shutdown(self) -> None:
        """Drop the requests still queued; those being answered finish on their own."""
        self._app_pool.shutdown(wait=False, cancel_futures=True)
        self._bcrypt_pool.shutdown(wait=False, cancel_futures=True)

    async def _authorised(self, request: Request, client: str) -> bool:
        credentials = parse_basic_authorization(request.headers.get("authorization"))
        if credentials is None:
            return False  # a browser's first request: not worth a line in the log
        verdict = self.auth.cached(*credentials)
        if verdict is None:
            verdict = await self.loop.run_in_executor(self._bcrypt_pool, self.auth.verify, *credentials)
        if not verdict:
            self.wrong_passwords.note(client, credentials[0].decode(errors="replace"))
        return verdict
