"""The connections the HTTP server holds, and which one makes room for a new one (admission).

A connection waits while the client has something to do: a TLS handshake, a
request (half a request included), the next request of a keep-alive
connection, reading its response (a write the client does not read), or while
its password waits for bcrypt. It is BUSY while the server works for it
(rendering a response, or its request queued for that). A connection that has
authenticated (a request with the right password: it is trusted from then on)
is never closed to make room; another may be, as below.

When the table is full, a new connection from address A makes room this way
(counting A's connections with the new one):

1. an address holding more connections than A gives up its connection that
   has waited the longest (the address holding the most first), or if none of
   its connections waits, one being answered: a crowd from one address cannot
   hold the table against any other address, not even by keeping the server
   busy (requests pipelined and never read);
2. else, among A's own connections and those of the addresses holding as many,
   the one that has waited the longest goes, if it has waited ``SETTLE_S``, or
   while the server has replaced fewer than ``max_connections`` such
   connections in the last ``SETTLE_S`` (a token bucket): a crowd churns the
   table once or twice a second at most (a few handshakes a second, not
   thousands), and a connection just let in, being the last in line, has
   about that long to send its request before its equals push it out, while
   a scraper among idle clients of its own address still gets in at once;
3. else the new connection is refused (closed before it costs a handshake).

Rule 2 never closes a connection being answered: its equals may be as worthy.

The waits are ordered by when each began: a new request's bytes do not renew a
wait (half a request is no reason to stay). A closed connection is released
here too, with what it leaves behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import time
from collections import OrderedDict
from collections.abc import Callable

from .counts import HttpCounts

log = logging.getLogger(__name__)

COLLECT_EVERY = 32  # closed connections between two full garbage collections
#: How long a connection waits before a newcomer from an address holding as many (its own
#: included) may push it out: time to send its request, and a bound on a crowd's churn.
SETTLE_S = 1.0

# Connection states. Every state but BUSY is a wait, and may be pushed out unless trusted.
NEW, IDLE, READING, CHECKING, WRITING, BUSY = "new", "idle", "reading", "checking", "writing", "busy"
_RENEWING = (NEW, IDLE, CHECKING, WRITING)  # a new wait begins; READING goes on with the wait before it


class Connection:
    """One client connection, from accept() to close. Held by the registry, and by its task once that runs."""

    __slots__ = ("sock", "client", "transport", "task", "writer", "state", "dropped", "trusted", "waiting_since")

    def __init__(self, sock: socket.socket, client: str = ""):
        self.sock = sock
        self.client = client  # the peer's address: its share of the table, and the log
        self.transport: asyncio.BaseTransport | None = None
        self.task: asyncio.Task | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.state = NEW
        self.dropped = False
        self.trusted = False  # has authenticated: never pushed out
        self.waiting_since = 0.0

    def drop(self) -> None:
        """Close it now, whatever it is doing."""
        self.dropped = True
        if self.transport is not None:
            self.transport.abort()
        else:
            # Its transport is being made: closing the socket under it would leave the fd in
            # the event loop's selector. _adopt and _serve see `dropped` and abort the transport.
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
        if self.task is not None:
            self.task.cancel()


class ConnectionTable:
    def __init__(self, max_connections: int, counts: HttpCounts, clock: Callable[[], float] = time.monotonic):
        self.max_connections = max_connections  # 0: no limit
        self.counts = counts
        self.clock = clock
        self._all: dict[int, Connection] = {}
        self._held_by: dict[str, int] = {}  # address -> connections held
        self._waiting: dict[str, OrderedDict[int, Connection]] = {}  # address -> its connections that may be pushed out, the longest waiting first
        self._busy: dict[str, dict[int, Connection]] = {}  # address -> its untrusted connections being answered
        self._tokens = float(max_connections)  # replacements among equals before SETTLE_S (rule 2)
        self._tokens_at = clock()
        self._refused = 0
        self._refusal_logged_at = float("-inf")
        self._closed_since_collect = 0

    def __len__(self) -> int:
        return len(self._all)

    def all(self) -> list[Connection]:
        return list(self._all.values())

    def idle_count(self) -> int:
        """Connections that may be pushed out now."""
        return sum(len(waiting) for waiting in self._waiting.values())

    def held_by(self, client: str) -> int:
        return self._held_by.get(client, 0)

    def admit(self, connection: Connection) -> bool:
        """Hold ``connection``, making room if the table is full. False: refused."""
        if self.max_connections and len(self._all) >= self.max_connections:
            victim = self._room_for(connection.client)
            if victim is None:
                self._note_refusal()
                return False
            self.forget(victim)
            victim.drop()
            self.counts.pushed_out += 1
            log.debug("connection of %s closed for a new one from %s", victim.client, connection.client)
        self._all[id(connection)] = connection
        self._held_by[connection.client] = self._held_by.get(connection.client, 0) + 1
        connection.state = NEW
        connection.waiting_since = self.clock()
        self._waiting.setdefault(connection.client, OrderedDict())[id(connection)] = connection
        self.counts.held = len(self._all)
        return True

    def _room_for(self, client: str) -> Connection | None:
        """The connection to push out for a new one from ``client``, or None: refuse it."""
        after = self._held_by.get(client, 0) + 1  # what ``client`` holds with the new one
        richest: tuple[int, bool, float] | None = None
        victim = equal = None
        for address, held in self._held_by.items():
            waiting = self._waiting.get(address)
            oldest = next(iter(waiting.values())) if waiting else None
            if address != client and held > after:  # rule 1: the most held, then a wait, the longest
                busy = self._busy.get(address)
                candidate = oldest or (next(iter(busy.values())) if busy else None)
                if candidate is None:
                    continue
                rank = (held, oldest is not None, -candidate.waiting_since)
                if richest is None or rank > richest:
                    richest, victim = rank, candidate
            elif oldest is not None and (address == client or held == after):  # rule 2: the longest wait among equals
                if equal is None or oldest.waiting_since < equal.waiting_since:
                    equal = oldest
        if victim is not None:
            return victim
        if equal is not None and (self.clock() - equal.waiting_since >= SETTLE_S or self._take_token()):
            return equal
        return None

    def _take_token(self) -> bool:
        now = self.clock()
        rate = self.max_connections / SETTLE_S if SETTLE_S > 0 else float("inf")
        self._tokens = min(float(self.max_connections), self._tokens + (now - self._tokens_at) * rate)
        self._tokens_at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def forget(self, connection: Connection) -> None:
        if self._all.pop(id(connection), None) is None:
            return
        client = connection.client
        left = self._held_by[client] - 1
        if left:
            self._held_by[client] = left
        else:
            del self._held_by[client]
        self._not_waiting(connection)
        self._not_busy(connection)
        self.counts.held = len(self._all)

    def release(self, connection: Connection) -> None:
        """Forget a connection that has closed, and the references it held.

        The connection and its task refer to each other: without breaking that,
        each closed connection waits for a full garbage collection.
        """
        self.forget(connection)
        connection.task = connection.writer = connection.transport = None
        self._collect_now_and_then()

    def trust(self, connection: Connection) -> None:
        """It has authenticated: never pushed out from now on."""
        connection.trusted = True
        self._not_waiting(connection)
        self._not_busy(connection)

    def set_state(self, connection: Connection, state: str) -> None:
        previous, connection.state = connection.state, state
        if id(connection) not in self._all:
            return
        if connection.trusted:
            return
        if state == BUSY:
            self._not_waiting(connection)
            self._busy.setdefault(connection.client, {})[id(connection)] = connection
            return
        self._not_busy(connection)
        if state in _RENEWING or previous == BUSY:  # a new wait begins: last in line to be pushed out
            connection.waiting_since = self.clock()
            self._not_waiting(connection)
        self._waiting.setdefault(connection.client, OrderedDict())[id(connection)] = connection

    def _not_waiting(self, connection: Connection) -> None:
        waiting = self._waiting.get(connection.client)
        if waiting is not None and waiting.pop(id(connection), None) is not None and not waiting:
            del self._waiting[connection.client]

    def _not_busy(self, connection: Connection) -> None:
        busy = self._busy.get(connection.client)
        if busy is not None and busy.pop(id(connection), None) is not None and not busy:
            del self._busy[connection.client]

    def _note_refusal(self) -> None:
        """One warning a minute at most: a flood of refusals must not flood the log."""
        self._refused += 1
        self.counts.refused += 1
        now = time.monotonic()
        if now - self._refusal_logged_at >= 60:
            log.warning(
                "%d connection(s) refused: the %d connections held are authenticated, being answered, "
                "or have not waited long enough to give way (--web.max-connections)",
                self._refused, self.max_connections,
            )
            self._refused, self._refusal_logged_at = 0, now

    def _collect_now_and_then(self) -> None:
        """A full garbage collection every COLLECT_EVERY closed connections.

        asyncio leaves reference cycles behind a closed connection (an exception
        kept with its traceback; a TLS connection keeps 256 KiB of buffers in
        them). Python collects them only when new long-lived objects reach a
        quarter of the old ones: hundreds of connections, tens of megabytes.
        Collecting here keeps memory flat; serve() freezes the objects of the
        start-up (gc.freeze), so a collection walks only the young ones.
        """
        self._closed_since_collect += 1
        if self._closed_since_collect >= COLLECT_EVERY:
            self._closed_since_collect = 0
            gc.collect()
