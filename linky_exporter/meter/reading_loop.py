"""Every meter read by one thread: the readers share a loop, not a thread each.

A meter sends a frame a second, and reading it is a non-blocking read of what
the driver holds just after each frame has ended (sources/session.py says when). One thread
therefore serves any number of meters: it runs each reader whose time has come,
then sleeps until the next one's, or until a silent tty speaks (its descriptor
is watched with the loop's selector), or until it is woken (a line opened, a
stop). A thread per meter cost a thread's stack and a wake-up of its own for
each read, and the hand-offs of the GIL between them (docs/performance.md).

Opening and closing a line are the steps that may block (a TCP connect to a
ser2net host that is down, an RFC 2217 negotiation; pyserial's network lines
sleep 0.3 s in close()): they run in short-lived threads of their own, so that
one dead or flapping host never delays the other meters' reads (a tty's 4 KiB
buffer holds 4 s of standard mode). A reader has one opening thread at most,
only while its source is being opened.

``after_reads`` runs after each wake-up's reads, on the loop's thread: serve
passes the renderer's refresh (exposition/render.py), which renders the frames
just recorded while scrapes come often.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import os
import queue
import selectors
import threading
import time
from collections.abc import Callable, Iterator

from ..sources.line import Line
from .reader import BACKOFF_MAX_S, MeterReader, close_quietly
from .throttled_log import ThrottledLog

log = logging.getLogger(__name__)

#: The longest sleep: a stop request made without stop() is seen this soon.
MAX_SLEEP_S = 1.0
#: Readers whose meter's pace is known and that are due within the same tick are read
#: at one wake-up, at its end: the loop wakes up 4 times a second at most whatever the
#: number of meters, and a read is at most this late, little against a frame's second.
#: Reads in a row are what is cheap: a frame read after a sleep costs 4-5 times what the
#: next one read at the same wake-up costs (caches, docs/performance.md). 0.25 s rather
#: than 0.1 s: 0.87-0.96x the CPU at 64 meters. A line not yet paced (before its
#: first frames) is read when due, so that its first values come no later.
TICK_S = 0.25
#: How long the loop's end waits for the lines it closes (pyserial's network lines sleep 0.3 s).
CLOSE_WAIT_S = 1.0


class ReadingLoop(threading.Thread):
    def __init__(
        self,
        readers: list[MeterReader],
        stop: threading.Event | None = None,
        after_reads: Callable[[], None] | None = None,
    ):
        super().__init__(name="readers", daemon=True)
        self.readers = list(readers)
        self.stop_event = stop or threading.Event()
        self.after_reads = after_reads
        self._after_reads_error = ThrottledLog(log)
        self._opened: queue.SimpleQueue[tuple[MeterReader, Line | None, BaseException | None]] = queue.SimpleQueue()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._watched: dict[int, MeterReader] = {}  # fd -> the reader waiting for it to speak
        self._watching: dict[int, int] = {}  # id(reader) -> the fd watched for it
        self._due: list[tuple[float, int, MeterReader]] = []  # a heap: (due, entry, reader)
        self._entry: dict[int, int] = {}  # id(reader) -> its live entry in the heap (others are stale)
        self._entries = itertools.count()
        self._closing: list[threading.Thread] = []
        for reader in self.readers:
            reader.close_line = self._close_beside
        # Opening threads may outlive the loop: they hand their line over, or close it
        # once the loop has ended, and never write to the wake-up pipe once it is closed.
        self._lock = threading.Lock()
        self._ended = False

    def stop(self) -> None:
        self.stop_event.set()
        self._wake()

    def run(self) -> None:
        for reader in self.readers:
            self._schedule(reader)
        try:
            while not self.stop_event.is_set():
                self._adopt_opened()
                self._run_due(time.monotonic())
                if self.after_reads is not None:
                    self._call_after_reads()
                if not self._entry and not any(reader.opening for reader in self.readers):
                    return  # every source was a capture read to its end
                self._sleep()
        finally:
            for reader in self.readers:
                reader.close()
            with self._lock:
                self._ended = True
                os.close(self._wake_r)
                os.close(self._wake_w)
            self._selector.close()
            self._drain_opened()  # lines opened as the loop stopped are closed, not left open
            deadline = time.monotonic() + CLOSE_WAIT_S
            for closing in self._closing:
                closing.join(max(0.0, deadline - time.monotonic()))

    def _run_due(self, now: float) -> None:
        """Open or read each reader whose time has come, the earliest first.

        The readers wait in a heap by due time: a wake-up costs what is due, not
        a look at every meter (at 256 meters, 500 wake-ups a second).
        """
        due = self._due
        while due and due[0][0] <= now:
            _, entry, reader = heapq.heappop(due)
            if self._entry.get(id(reader)) != entry:
                continue  # rescheduled since (a silent line spoke): a stale entry
            del self._entry[id(reader)]
            try:
                if reader.line is None:
                    self._open(reader)
                else:
                    reader.step(now)
            except Exception:  # a bug of ours must not end every meter's reading
                log.exception("meter %s: unexpected error in the reading loop", reader.spec.name)
                reader.close()
                reader.due = now + BACKOFF_MAX_S
            self._watch(reader)
            self._schedule(reader)

    def _call_after_reads(self) -> None:
        try:
            self.after_reads()  # type: ignore[misc]
        except Exception:  # a bug of ours: the meters are still read, and scrapes render them
            self._after_reads_error.log(logging.ERROR, "unexpected error after the reads", exc_info=True)

    def _schedule(self, reader: MeterReader) -> None:
        """Put ``reader`` in the heap at its ``due`` time (unless it is being opened or has ended)."""
        if reader.opening or not reader.active:
            self._entry.pop(id(reader), None)
            return
        entry = next(self._entries)
        self._entry[id(reader)] = entry
        heapq.heappush(self._due, (reader.due, entry, reader))

    def _sleep(self) -> None:
        """Until the next reader is due, a watched line speaks, or the loop is woken."""
        due, _, first = self._due[0] if self._due else (float("inf"), 0, None)
        now = time.monotonic()
        if due <= now:
            return
        # Only the earliest reader is looked at: a reader not yet paced that is due
        # before the tick the earliest one waits for is read at that tick, TICK_S
        # late at most, while meters start.
        wake_at = math.ceil(due / TICK_S) * TICK_S if first is not None and first.paced else due
        timeout = min(MAX_SLEEP_S, wake_at - now)
        if timeout <= 0:
            return
        try:
            events = self._selector.select(timeout)
        except (OSError, ValueError):  # a watched descriptor closed under us: its next read says why
            return
        now = time.monotonic()
        for key, _ in events:
            if key.fd == self._wake_r:
                try:
                    while os.read(self._wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
            else:
                reader = self._watched.get(key.fd)
                if reader is not None and reader.due > now:
                    reader.due = now  # it speaks: read it now
                    self._schedule(reader)

    def _watch(self, reader: MeterReader) -> None:
        """Watch the descriptor of ``reader``'s line while it is silent, and only then."""
        wanted = reader.wait_fd if reader.line is not None else None
        held = self._watching.get(id(reader))
        if held == wanted:
            return
        if held is not None:
            del self._watching[id(reader)]
            if self._watched.get(held) is reader:
                del self._watched[held]
                try:
                    self._selector.unregister(held)
                except (KeyError, ValueError, OSError):
                    pass
        if wanted is not None and wanted not in self._watched:
            try:
                self._selector.register(wanted, selectors.EVENT_READ, None)
            except (KeyError, ValueError, OSError):
                return  # closed under us: the reader's next read says why
            self._watched[wanted] = reader
            self._watching[id(reader)] = wanted

    def _open(self, reader: MeterReader) -> None:
        reader.opening = True

        def open_beside() -> None:
            try:
                line, error = reader.open_line(), None
            except BaseException as failure:  # handed to the loop, which logs it
                line, error = None, failure
            with self._lock:
                if not self._ended:
                    self._opened.put((reader, line, error))
                    self._wake_locked()
                    return
            if line is not None:  # the loop has ended meanwhile
                close_quietly(line)

        threading.Thread(target=open_beside, name=f"open-{reader.spec.name}", daemon=True).start()

    def _close_beside(self, line: Line) -> None:
        """Close ``line`` in a short-lived thread: a network line's close() sleeps."""
        self._closing = [thread for thread in self._closing if thread.is_alive()]
        closing = threading.Thread(target=close_quietly, args=(line,), name="close-line", daemon=True)
        closing.start()
        self._closing.append(closing)

    def _adopt_opened(self) -> None:
        if self._opened.empty():  # every wake-up but a few: no generator, no queue.Empty raised
            return
        for reader, line, error in self._take_opened():
            now = time.monotonic()
            if line is not None:
                reader.adopt(line, now)
            else:
                assert error is not None
                reader.cannot_open(error, now)
            self._schedule(reader)

    def _drain_opened(self) -> None:
        for _, line, _ in self._take_opened():
            if line is not None:
                close_quietly(line)

    def _take_opened(self) -> Iterator[tuple[MeterReader, Line | None, BaseException | None]]:
        """What the opening threads have handed over so far; each reader is no longer opening."""
        while True:
            try:
                item = self._opened.get_nowait()
            except queue.Empty:
                return
            item[0].opening = False
            yield item

    def _wake(self) -> None:
        with self._lock:
            self._wake_locked()

    def _wake_locked(self) -> None:
        if self._ended:
            return
        try:
            os.write(self._wake_w, b"\0")
        except BlockingIOError:  # the pipe is full: the loop is awake already
            pass


