"""Passwords waiting for bcrypt: a short queue, served fairly between client addresses.

bcrypt checks one password at a time (auth.py): some 70 ms at cost 10 on a PC,
plus a rest after a failure. Without a bound, a crowd sending new wrong
passwords queues checks without end, each one holding a connection, and a
scraper's first check waits behind all of them. So, on the event loop:

- an address has at most ``PER_CLIENT`` checks waiting or running; a request
  that would need one more is answered at once ``429 Too Many Requests``;
- at most ``QUEUED`` checks wait or run in all; beyond, ``503 Service
  Unavailable`` at once (both with ``Retry-After: 1``);
- the queue is served in turns between addresses (each address's n-th check
  waiting is in turn n): a scraper's check waits for one check of each other
  address at most, not for a crowd's whole queue;
- credentials already queued are not checked twice: a second request with them
  waits for the first one's verdict;
- a check whose every requester has gone (its connection closed) is skipped.

A request whose credentials were checked before never comes here: auth.py
remembers the verdict.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor

PER_CLIENT = 2
QUEUED = 16
#: What :meth:`PasswordChecks.check` returns instead of a verdict when there is no room.
CLIENT_BUSY, QUEUE_FULL = "client-busy", "queue-full"


class _Check:
    __slots__ = ("client", "key", "user", "password", "verdict", "waiters")

    def __init__(self, client: str, key: bytes, user: bytes, password: bytes, verdict: asyncio.Future):
        self.client, self.key, self.user, self.password = client, key, user, password
        self.verdict = verdict
        self.waiters = 0


class PasswordChecks:
    """Runs ``verify(user, password)`` on ``pool``; everything else on ``loop``, the server's event loop."""

    def __init__(self, verify: Callable[[bytes, bytes], bool], pool: Executor, loop: asyncio.AbstractEventLoop):
        self._verify = verify
        self._pool = pool
        self._loop = loop
        self._queue: list[tuple[int, int, _Check]] = []  # a heap of (turn, arrival, check)
        self._arrivals = itertools.count()
        self._turn = 0  # the turn of the check running now
        self._last_turn: dict[str, int] = {}  # address -> the turn of its latest check waiting or running
        self._by_key: dict[bytes, _Check] = {}
        self._held: Counter[str] = Counter()  # checks waiting or running, by address
        self._worker: asyncio.Task | None = None

    def __len__(self) -> int:
        return len(self._by_key)

    async def check(self, client: str, key: bytes, user: bytes, password: bytes) -> bool | str:
        """The verdict for these credentials (``key``: their keyed hash), or CLIENT_BUSY / QUEUE_FULL at once."""
        check = self._by_key.get(key)
        if check is None:
            if self._held[client] >= PER_CLIENT:
                return CLIENT_BUSY
            if len(self._by_key) >= QUEUED:
                return QUEUE_FULL
            check = _Check(client, key, user, password, self._loop.create_future())
            self._by_key[key] = check
            self._held[client] += 1
            turn = max(self._turn, self._last_turn.get(client, self._turn - 1) + 1)
            self._last_turn[client] = turn
            heapq.heappush(self._queue, (turn, next(self._arrivals), check))
            if self._worker is None:
                self._worker = self._loop.create_task(self._work())
        check.waiters += 1
        try:
            return await asyncio.shield(check.verdict)
        finally:
            check.waiters -= 1

    async def _work(self) -> None:
        try:
            while self._queue:
                self._turn, _, check = heapq.heappop(self._queue)
                try:
                    if check.waiters:
                        verdict = await self._loop.run_in_executor(self._pool, self._verify, check.user, check.password)
                        check.verdict.set_result(verdict)
                    else:
                        check.verdict.cancel()  # nobody waits for it any more: not worth a bcrypt
                except Exception as error:  # noqa: BLE001 - handed to the requests that wait for it
                    if not check.verdict.done():
                        check.verdict.set_exception(error)
                finally:
                    self._done(check)
        finally:
            self._worker = None

    def _done(self, check: _Check) -> None:
        del self._by_key[check.key]
        self._held[check.client] -= 1
        if not self._held[check.client]:
            del self._held[check.client]
            del self._last_turn[check.client]
