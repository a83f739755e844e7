"""The connections the HTTP server holds, and which one makes room for a new one.

A connection is idle while it waits for a TLS handshake, a request, or the
next request of a keep-alive connection (half a request included: a slow
client is not being served). Idle ones are kept in the order their wait
began, so the one idle the longest is pushed out first when a new connection
arrives and the table is full; if none is idle, the new one is refused.
A closed connection is released here too, with what it leaves behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import time
from collections import OrderedDict

from .counts import HttpCounts

log = logging.getLogger(__name__)

COLLECT_EVERY = 32  # closed connections between two full garbage collections

# Connection states. Every state but BUSY may be pushed out for a new connection.
NEW, IDLE, READING, BUSY = "new", "idle", "reading", "busy"


class Connection:
    """One client connection, from accept() to close. Held by the registry, and by its task once that runs."""

    __slots__ = ("sock", "client", "transport", "task", "writer", "state", "dropped")

    def __init__(self, sock: socket.socket, client: str = ""):
        self.sock = sock
        self.client = client  # the peer's address, for the log
        self.transport: asyncio.BaseTransport | None = None
        self.task: asyncio.Task | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.state = NEW
        self.dropped = False

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
    def __init__(self, max_connections: int, counts: HttpCounts):
        self.max_connections = max_connections  # 0: no limit
        self.counts = counts
        self._all: dict[int, Connection] = {}
        self._idle: OrderedDict[int, Connection] = OrderedDict()  # idle the longest first
        self._refused = 0
        self._refusal_logged_at = float("-inf")
        self._closed_since_collect = 0

    def __len__(self) -> int:
        return len(self._all)

    def all(self) -> list[Connection]:
        return list(self._all.values())

    def idle_count(self) -> int:
        return len(self._idle)

    def admit(self, connection: Connection) -> bool:
        """Hold ``connection``, pushing out the one idle the longest if full. False: refused."""
        if self.max_connections and len(self._all) >= self.max_connections:
            if not self._idle:
                self._note_refusal()
                return False
            _, oldest = self._idle.popitem(last=False)
            self.forget(oldest)
            oldest.drop()
            self.counts.pushed_out += 1
            log.debug("connection idle the longest closed for a new one (%d connections)", len(self._all))
        self._all[id(connection)] = connection
        self._idle[id(connection)] = connection
        self.counts.held = len(self._all)
        return True

    def forget(self, connection: Connection) -> None:
        self._all.pop(id(connection), None)
        self._idle.pop(id(connection), None)
        self.counts.held = len(self._all)

    def release(self, connection: Connection) -> None:
        """Forget a connection that has closed, and the references it held.

        The connection and its task refer to each other: without breaking that,
        each closed connection waits for a full garbage collection.
        """
        self.forget(connection)
        connection.task = connection.writer = connection.transport = None
        self._collect_now_and_then()

    def set_state(self, connection: Connection, state: str) -> None:
        connection.state = state
        if state == BUSY:
            self._idle.pop(id(connection), None)
        elif state == IDLE:  # a new wait begins: last in line to be pushed out
            self._idle[id(connection)] = connection
            self._idle.move_to_end(id(connection))
        # READING keeps its place: its wait began when it became idle

    def _note_refusal(self) -> None:
        """One warning a minute at most: a flood of refusals must not flood the log."""
        self._refused += 1
        self.counts.refused += 1
        now = time.monotonic()
        if now - self._refusal_logged_at >= 60:
            log.warning(
                "%d connection(s) refused: all %d connections are being answered (--web.max-connections)",
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
