"""The HTTP(S) server: one asyncio thread accepts, handshakes and reads; a few threads answer.

Why this shape: a TLS handshake or a request that a client sends slowly (or
never) must cost neither a thread nor the other clients' time. The event loop
waits on every connection at once, with a deadline (``read_timeout``) for the
handshake and the request head; only complete requests go to the small pool
of application threads that render /metrics. At most ``max_connections``
connections are held; which one makes room for a new one, fairly between
client addresses, is connections.py's. h11 parses the requests
(http_protocol.py); pipelined requests are answered one after the other.

What a complete request gets (method check, basic auth, rate limit, the
handler) is answer.py's.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import functools
import logging
import ssl
import threading
import time
import traceback

from .answer import CLOSE, Answerer, Handler
from .connections import BUSY, CHECKING, IDLE, NEW, READING, WRITING, Connection, ConnectionTable
from .counts import HttpCounts
from .http_protocol import MAX_HEAD_BYTES, BadRequest, Request, RequestParser, response_bytes, text_response
from .listener import HANDSHAKE_SETTLE_S, LISTEN_BACKLOG, client_address, listen, stop_taking_new_clients
from .server_config import WebConfig
from .tls import peer_has_allowed_san

log = logging.getLogger(__name__)

DEFAULT_MAX_CONNECTIONS = 64
DEFAULT_READ_TIMEOUT_S = 10.0
SHUTDOWN_GRACE_S = 5.0
TLS_READ_BUFFER = 32 * 1024
#: At shutdown, a connection that has sent nothing yet gets this long to send its request.
SHUTDOWN_NEW_GRACE_S = 0.5
#: At shutdown, a keep-alive connection idle between requests, or one whose request has
#: not all arrived, is closed after this long: a request already received by then is
#: answered (then the connection closed) rather than reset, without holding the exit for
#: every idle Prometheus connection or for a client that sent half a request.
SHUTDOWN_IDLE_SETTLE_S = 0.05
_ACCEPT_BATCH = 64  # accepted per wake-up: a flood of connects cannot starve the clients already held

class _LineAMinute:
    """A kind of log line that clients can repeat at will: written once a minute at most, the next
    one saying how many were held back (as meter/throttled_log.py, which web/ does not import)."""

    def __init__(self, level: int):
        self.level = level
        self._logged_at = float("-inf")
        self._held = 0

    def log(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._logged_at < 60:
            self._held += 1
            return
        if self._held:
            message, args = message + " (and %d more since the last such line)", (*args, self._held)
        self._held, self._logged_at = 0, now
        log.log(self.level, message, *args)


class HttpServer:
    def __init__(
        self,
        handler: Handler,
        host: str,
        port: int,
        web_config: WebConfig | None = None,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        read_timeout: float = DEFAULT_READ_TIMEOUT_S,
        counts: HttpCounts | None = None,
    ):
        self.web_config = web_config or WebConfig()
        self.read_timeout = read_timeout
        self.extra_headers = list(self.web_config.headers)
        if self.web_config.tls is not None:
            # asyncio reads TLS into a 256 KiB buffer per connection; records are 16 KiB at
            # most and requests a few hundred bytes: 32 KiB holds 64 connections in 2 MiB, not 16.
            asyncio.sslproto.SSLProtocol.max_size = TLS_READ_BUFFER
        self.sock = listen(host, port)  # OSError here: the caller says it cannot listen
        self.loop = asyncio.new_event_loop()
        self.answerer = Answerer(handler, self.web_config, self.loop)
        self.thread = threading.Thread(target=self._run, name="http", daemon=True)
        self.counts = HttpCounts() if counts is None else counts
        self.connections = ConnectionTable(max_connections, self.counts)
        self._closing = False
        self._ready = threading.Event()
        # One line a minute at most, however many malformed requests come (each is counted by its status).
        self._malformed_log = _LineAMinute(logging.INFO)
        self._parser_error_log = _LineAMinute(logging.ERROR)  # the parser failing: a bug, with its traceback

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    @property
    def address(self) -> str:
        """The address listened on, as a URL writes it: ``[::]`` is every IPv4 and IPv6 address."""
        host = self.sock.getsockname()[0]
        return f"[{host}]" if ":" in host else host

    @property
    def scheme(self) -> str:
        return "https" if self.web_config.tls is not None else "http"

    def start(self) -> None:
        self.thread.start()
        self._ready.wait()

    def stop(self, grace: float = SHUTDOWN_GRACE_S) -> int:
        """Stop accepting, let requests being answered finish (``grace`` seconds at most), close all.

        Returns how many requests were cut because they had not finished in time.
        """
        if not self.thread.is_alive():
            return 0
        try:
            cut = asyncio.run_coroutine_threadsafe(self._shutdown(grace), self.loop).result(grace + 5)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
            self.answerer.shutdown()
        return cut

    def connection_count(self) -> int:
        return len(self.connections)

    # --- the event loop's side -------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.add_reader(self.sock.fileno(), self._accept_ready)
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            for connection in self.connections.all():
                connection.drop()
            self.loop.run_until_complete(asyncio.sleep(0))
            self.loop.close()
            self.sock.close()

    def _accept_ready(self, batch: int = _ACCEPT_BATCH) -> None:
        """Accept what the kernel has queued (``batch`` at most); each connection then lives in a task of its own."""
        for _ in range(batch):
            try:
                sock, address = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # EMFILE, ENOBUFS: pause a second rather than spin
                log.warning("cannot accept a connection: %s; pausing 1 s", error.strerror or error)
                if not self._closing:
                    self.loop.remove_reader(self.sock.fileno())
                    self.loop.call_later(1.0, self._resume_accepting)
                return
            connection = Connection(sock, client_address(address))
            if not self.connections.admit(connection):
                sock.close()  # every connection is being answered: refused before it costs anything
                continue
            sock.setblocking(False)
            reader = asyncio.StreamReader(limit=MAX_HEAD_BYTES * 2, loop=self.loop)
            protocol = asyncio.StreamReaderProtocol(reader, functools.partial(self._serve, connection), loop=self.loop)
            self.loop.create_task(self._adopt(connection, protocol))

    async def _adopt(self, connection: Connection, protocol: asyncio.StreamReaderProtocol) -> None:
        if connection.dropped:
            connection.sock.close()
            return
        try:
            transport, _ = await self.loop.connect_accepted_socket(lambda: protocol, connection.sock)
        except OSError:
            self.connections.forget(connection)
            connection.sock.close()
            return
        if connection.dropped:
            transport.abort()
        elif connection.transport is None:
            connection.transport = transport

    def _resume_accepting(self) -> None:
        if not self._closing:
            self.loop.add_reader(self.sock.fileno(), self._accept_ready)

    async def _shutdown(self, grace: float) -> int:
        self._closing = True
        started = self.loop.time()
        # New clients are not let in; those the kernel is letting in are accepted, then
        # the socket closes with none left in its queue to reset (listener.py).
        if stop_taking_new_clients(self.sock):
            await asyncio.sleep(min(HANDSHAKE_SETTLE_S, grace))
        self.loop.remove_reader(self.sock.fileno())
        self._accept_ready(LISTEN_BACKLOG + 1)  # the whole queue
        self.sock.close()
        while self.connections and self.loop.time() - started < grace:
            elapsed = self.loop.time() - started
            quiet = (NEW, IDLE, READING) if elapsed >= min(SHUTDOWN_NEW_GRACE_S, grace) else (IDLE, READING)
            if elapsed >= min(SHUTDOWN_IDLE_SETTLE_S, grace):
                for connection in self.connections.all():
                    if connection.state in quiet:
                        self.connections.forget(connection)
                        connection.drop()
            await asyncio.sleep(0.01)
        cut = sum(1 for connection in self.connections.all() if connection.state in (BUSY, CHECKING, WRITING))
        for connection in self.connections.all():
            self.connections.forget(connection)
            connection.drop()
        if cut:
            log.warning("stopped with %d request(s) still being answered after %.0f s", cut, grace)
        return cut

    async def _serve(self, connection: Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection.task, connection.writer, connection.transport = asyncio.current_task(), writer, writer.transport
        if connection.dropped:
            writer.transport.abort()
            return
        graceful = False
        try:
            graceful = await self._converse(connection, reader, writer)
        except (asyncio.CancelledError, TimeoutError, OSError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            if graceful:
                # drain() returns with up to its low-water mark still buffered: wait until
                # the rest is written, or a stop right after would cut the response's end.
                writer.close()
                try:
                    async with asyncio.timeout(self.read_timeout):
                        await writer.wait_closed()
                except (asyncio.CancelledError, TimeoutError, OSError, ssl.SSLError):
                    writer.transport.abort()
            else:
                writer.transport.abort()
            self.connections.release(connection)

    async def _converse(self, connection: Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve requests on one connection until it closes. True if the last response was written whole."""
        deadline = self.loop.time() + self.read_timeout
        context = self.web_config.ssl_context
        if context is not None:
            async with asyncio.timeout_at(deadline):
                await writer.start_tls(context, ssl_handshake_timeout=self.read_timeout)
            if self.web_config.client_allowed_sans is not None and not peer_has_allowed_san(
                writer.get_extra_info("peercert"), list(self.web_config.client_allowed_sans)
            ):
                log.debug("client certificate without an allowed SAN: connection closed")
                return False
        parser = RequestParser()
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    request = await self._read_request(connection, reader, parser)
            except BadRequest as error:
                self.connections.set_state(connection, BUSY)
                self._note_malformed(connection, error)
                status, headers, body = text_response(error.status, str(error))
                self.counts.response(status)
                writer.write(response_bytes(status, headers + self.extra_headers, body, close=True))
                await self._drain(connection, writer)
                return True
            if request is None:
                return False
            self.connections.set_state(connection, BUSY)
            (status, headers, body), trusted = await self.answerer.answer(
                request, connection.client, functools.partial(self._checking, connection)
            )
            if trusted and not connection.trusted:
                self.connections.trust(connection)
            close = self._closing or not request.keep_alive or CLOSE in headers
            head_only = request.method == "HEAD"
            self.counts.response(status)
            writer.write(response_bytes(status, headers + self.extra_headers, body, head_only=head_only, close=close, version=request.version))
            await self._drain(connection, writer)
            if close or self._closing:
                return True
            self.connections.set_state(connection, IDLE)
            parser.next_cycle()
            deadline = self.loop.time() + self.read_timeout

    def _checking(self, connection: Connection, waiting: bool) -> None:
        """Its password waits for bcrypt (``waiting``): meanwhile it may make room for others, as a wait."""
        self.connections.set_state(connection, CHECKING if waiting else BUSY)

    async def _read_request(self, connection: Connection, reader: asyncio.StreamReader, parser: RequestParser) -> Request | None:
        """The next request (a body read and dropped), or None at end of stream. Raises BadRequest."""
        while (request := parser.next_request()) is None:
            chunk = await reader.read(8192)
            if not chunk:
                return None  # the client went away, with half a request or none: nobody to answer
            if connection.state != READING:
                self.connections.set_state(connection, READING)
            parser.receive(chunk)
        return request

    def _note_malformed(self, connection: Connection, error: BadRequest) -> None:
        """A malformed request is counted by its status; the log has one line a minute at most."""
        if error.unexpected:
            self._parser_error_log.log(
                "error reading a request from %s (answered %d): %s",
                connection.client, error.status, "".join(traceback.format_exception(error.__cause__ or error)).rstrip(),
            )
        else:
            self._malformed_log.log(
                "malformed request from %s answered %d: %s", connection.client, error.status, error,
            )

    async def _drain(self, connection: Connection, writer: asyncio.StreamWriter) -> None:
        """Wait for the response to be written; a client that reads nothing holds no slot for ever.

        While the client does not read, the connection waits for it, and may make room for others.
        """
        if writer.transport.get_write_buffer_size() and not connection.trusted:
            self.connections.set_state(connection, WRITING)
        async with asyncio.timeout(self.read_timeout):
            await writer.drain()
