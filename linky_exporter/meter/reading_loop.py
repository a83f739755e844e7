"""Every meter read by one thread: the readers share a loop, not a thread each.

A meter sends a frame a second, and reading it is a non-blocking read of what
the driver holds twice a second (sources/session.py says when). One thread
therefore serves any number of meters: it runs each reader whose time has come,
then sleeps until the next one's, or until a silent tty speaks (its descriptor
is watched with the loop's selector), or until it is woken (a line opened, a
stop). A thread per meter cost a thread's stack and a wake-up of its own for
each read, and the hand-offs of the GIL between them (docs/performance.md).

Opening a line is the only step that may block for long (a TCP connect to a
ser2net host that is down, an RFC 2217 negotiation): it runs in a short-lived
thread of its own, so that one dead host never delays the other meters' reads
(a tty's 4 KiB buffer holds 4 s of standard mode). A reader has one such thread
at most, only while its source is being opened.
"""

from __future__ import annotations

import logging
import os
import queue
import selectors
import threading
import time

from ..sources.line import Line
from .reader import BACKOFF_MAX_S, MeterReader

log = logging.getLogger(__name__)

#: The longest sleep: a stop request made without stop() is seen this soon.
MAX_SLEEP_S = 1.0


class ReadingLoop(threading.Thread):
    def __init__(self, readers: list[MeterReader], stop: threading.Event | None = None):
        super().__init__(name="readers", daemon=True)
        self.readers = list(readers)
        self.stop_event = stop or threading.Event()
        self._opened: queue.SimpleQueue[tuple[MeterReader, Line | None, BaseException | None]] = queue.SimpleQueue()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._watched: dict[int, MeterReader] = {}  # fd -> the reader waiting for it to speak
        # Opening threads may outlive the loop: they hand their line over, or close it
        # once the loop has ended, and never write to the wake-up pipe once it is closed.
        self._lock = threading.Lock()
        self._ended = False

    def stop(self) -> None:
        self.stop_event.set()
        self._wake()

    def run(self) -> None:
        try:
            while not self.stop_event.is_set():
                self._adopt_opened()
                now = time.monotonic()
                for reader in self.readers:
                    if reader.opening or not reader.active or reader.due > now:
                        continue
                    try:
                        if reader.line is None:
                            self._open(reader)
                        else:
                            reader.step(now)
                    except Exception:  # a bug of ours must not end every meter's reading
                        log.exception("meter %s: unexpected error in the reading loop", reader.spec.name)
                        reader.close()
                        reader.due = now + BACKOFF_MAX_S
                if not any(reader.active for reader in self.readers):
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

    def _sleep(self) -> None:
        """Until the next reader is due, a watched line speaks, or the loop is woken."""
        self._watch()
        due = min((r.due for r in self.readers if r.active and not r.opening), default=float("inf"))
        timeout = min(MAX_SLEEP_S, max(0.0, due - time.monotonic()))
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
                if reader is not None:
                    reader.due = now  # it speaks: read it now

    def _watch(self) -> None:
        """Watch the descriptors of the silent lines, and only theirs."""
        wanted = {r.wait_fd: r for r in self.readers if r.wait_fd is not None and r.line is not None}
        for fd in [fd for fd in self._watched if wanted.get(fd) is not self._watched[fd]]:
            del self._watched[fd]
            try:
                self._selector.unregister(fd)
            except (KeyError, ValueError, OSError):
                pass
        for fd, reader in wanted.items():
            if fd not in self._watched:
                try:
                    self._selector.register(fd, selectors.EVENT_READ, None)
                except (KeyError, ValueError, OSError):
                    continue  # closed under us: the reader's next read says why
                self._watched[fd] = reader

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
                _close_quietly(line)

        threading.Thread(target=open_beside, name=f"open-{reader.spec.name}", daemon=True).start()

    def _adopt_opened(self) -> None:
        while True:
            try:
                reader, line, error = self._opened.get_nowait()
            except queue.Empty:
                return
            reader.opening = False
            now = time.monotonic()
            if line is not None:
                reader.adopt(line, now)
            else:
                assert error is not None
                reader.cannot_open(error, now)

    def _drain_opened(self) -> None:
        while True:
            try:
                reader, line, _ = self._opened.get_nowait()
            except queue.Empty:
                return
            reader.opening = False
            if line is not None:
                _close_quietly(line)

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


def _close_quietly(line: Line) -> None:
    try:
        line.close()
    except Exception:  # noqa: BLE001 - letting go of a line nobody reads, nothing to tell
        pass
