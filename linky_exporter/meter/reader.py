"""One meter's source, read for ever: open it, read it, reopen it on any error.

A reader is driven by the reading loop (:mod:`.reading_loop`), which runs every
meter's reader in one thread: :meth:`MeterReader.step` reads what the line holds
without waiting and says when it wants to read again; opening a line, which may
block (a TCP connect, an RFC 2217 negotiation), runs beside the loop.

The reader never ends because the meter went away: an unplugged dongle, a
restarted ser2net or a device missing at start are retried with a capped
backoff, and each change of state is logged once, not once per retry
(connection_log.py: a source that keeps dropping gets a summary a minute).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import serial

from ..sources.autodetect import ModeDetector
from ..sources.connection_log import ConnectionLog
from ..sources.line import Line
from ..sources.opener import Opener, open_line
from ..sources.serial_line import SILENCE_REOPEN_S
from ..sources.session import LineSession
from ..sources.spec import SourceKind, SourceSpec
from ..tic.framing import Frame, FrameResult, Mode
from ..tic.interpret import read_frame
from ..tic.reading import Reading
from .state import MeterState
from .throttled_log import ThrottledLog

log = logging.getLogger(__name__)

BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 10.0  # a replugged dongle is read again within 10 s; retrying costs nothing

#: What opening a source may raise when the source is at fault (not us).
OPEN_ERRORS = (OSError, serial.SerialException, ValueError)


class MeterReader:
    """One meter's line and what is read from it; every method but :meth:`open_line` runs in the loop's thread."""

    def __init__(self, spec: SourceSpec, state: MeterState, mode: Mode | None, opener: Opener = open_line):
        self.spec = spec
        self.state = state
        self.mode = mode
        self.opener = opener
        self.opened = threading.Event()  # the source has been opened at least once
        self.ended = threading.Event()  # a capture file that does not loop has been read to its end
        self.detector = ModeDetector(mode, time.monotonic(), start=spec.likely_mode or Mode.HISTORIQUE)
        self.connection_log = ConnectionLog(spec.name, spec.url)
        self._mode_log = ThrottledLog(log)  # a source that alternates modes would fill the log
        self._clock = 0.0  # the source's clock for the index guard; it goes on across reconnections
        self._framed = False  # a valid frame has been read: reads pause longer (see LineSession)
        self._backoff = BACKOFF_MIN_S
        self._watch_silence = spec.kind is SourceKind.SERIAL  # a capture or the simulator may pause
        self.line: Line | None = None
        self.session: LineSession | None = None
        self.opening = False  # open_line() is under way beside the loop
        self.due = 0.0  # time.monotonic() of the next open or read
        self.wait_fd: int | None = None  # a silent line's descriptor: it is read as soon as it speaks
        self._spoke_at = 0.0
        #: How a line is let go of: the reading loop closes beside itself, since pyserial's
        #: socket:// and rfc2217:// close() sleep 0.3 s (and rfc2217's waits for its thread).
        self.close_line: Callable[[Line], None] = close_quietly

    @property
    def active(self) -> bool:
        return not self.ended.is_set()

    @property
    def paced(self) -> bool:
        """The line is read once a frame, its meter's pace known (sources/frame_timing.py)."""
        session = self.session
        return session is not None and session.timing.period is not None

    def open_line(self) -> Line:
        """Open the source (blocking; runs beside the loop). Raises what the opener raises."""
        return self.opener(self.spec, self.detector.baudrate)

    def adopt(self, line: Line, now: float) -> None:
        """The source is open: read it from now on."""
        if self.opened.is_set():
            self.state.record_reconnect()
        self.opened.set()
        self.state.record_connected(True)
        self.connection_log.opened()
        self._backoff = BACKOFF_MIN_S
        self.line = line
        self.session = LineSession(
            line, self.detector, self.mode, clock=self._clock, framed=self._framed, stats=self.state.decoder_stats
        )
        self._spoke_at = now
        self.due, self.wait_fd = now, None

    def cannot_open(self, error: BaseException, now: float) -> None:
        if isinstance(error, OPEN_ERRORS):
            self.connection_log.cannot_open(_describe(error))
            self.due = now + self._backoff
            self._backoff = min(self._backoff * 2, BACKOFF_MAX_S)
        else:  # a bug of ours must not silently end this meter's reading
            log.error(
                "meter %s: unexpected error opening %s; retrying", self.spec.name, self.spec.url,
                exc_info=(type(error), error, error.__traceback__),
            )
            self.due = now + BACKOFF_MAX_S

    def step(self, now: float) -> None:
        """Read what the line holds, record it, and set when to read again (``due``, ``wait_fd``)."""
        session = self.session
        assert session is not None
        try:
            chunk = session.read_now()
            if chunk.data:
                self._spoke_at = chunk.now
            elif self._watch_silence and chunk.now - self._spoke_at > SILENCE_REOPEN_S:
                raise SilentLine(f"silent for {SILENCE_REOPEN_S:g} s (a meter never stops talking)")
            self.connection_log.connected()
            self._record(chunk.frames, chunk.clock)
            if chunk.detection is not None:
                self._announce(chunk.detection.mode, chunk.detection.kind)
            wait = session.wait(chunk)
        except EOFError as end:
            self._record(session.flush(), session.clock)
            self.state.flush()
            log.info("meter %s: %s; no more data from this source", self.spec.name, end)
            self.close()
            self.ended.set()
            return
        except (OSError, serial.SerialException) as error:
            self.connection_log.lost(_describe(error))
            self.close()
            self.due = now + self._backoff
            return
        except Exception:  # a bug of ours must not silently end this meter's reading
            log.exception("meter %s: unexpected error reading %s; reopening it", self.spec.name, self.spec.url)
            self.close()
            self.due = now + BACKOFF_MAX_S
            return
        self.due = chunk.now + wait.seconds
        self.wait_fd = wait.fd

    def close(self) -> None:
        """Let go of the line, if one is open (lost, ended, or the loop stops)."""
        session, line = self.session, self.line
        if session is not None:
            self._clock, self._framed = session.clock, session.framed
        self.session = self.line = None
        self.wait_fd = None
        if line is not None:
            self.close_line(line)
            self.state.record_connected(False)

    def _record(self, frames: list[Frame], clock: float) -> None:
        pairs: list[tuple[Frame, Reading | None]] = [
            (frame, read_frame(frame) if frame.result is FrameResult.VALID else None) for frame in frames
        ]
        self.state.record_chunk(pairs, clock)

    def _announce(self, mode: Mode, kind: str) -> None:
        if kind == "detected":
            self._mode_log.log(logging.INFO, "meter %s: TIC mode %s detected (%d Bd)", self.spec.name, mode.value, self.detector.baudrate)
            self.state.record_mode_detected(mode.value)
        else:
            self._mode_log.log(
                logging.WARNING,
                "meter %s: valid %s frames stopped while bytes keep coming; detecting the mode again",
                self.spec.name,
                mode.value,
            )


class SilentLine(OSError):
    """A serial or network line that gave no byte for SILENCE_REOPEN_S: it is opened again."""


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def close_quietly(line: Line) -> None:
    try:
        line.close()
    except Exception:  # noqa: BLE001 - letting go of a line nobody reads any more, nothing to tell
        pass
