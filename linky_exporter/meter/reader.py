"""One thread per meter: open the source, read it for ever, reconnect on any error.

The reader never exits because the meter went away: an unplugged dongle, a
restarted ser2net or a device missing at start are retried with a capped
backoff, and each change of state is logged once, not once per retry
(connection_log.py: a source that keeps dropping gets a summary a minute).
"""

from __future__ import annotations

import logging
import threading
import time

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


class MeterReader(threading.Thread):
    def __init__(
        self,
        spec: SourceSpec,
        state: MeterState,
        mode: Mode | None,
        opener: Opener = open_line,
        stop: threading.Event | None = None,
    ):
        super().__init__(name=f"reader-{spec.name}", daemon=True)
        self.spec = spec
        self.state = state
        self.mode = mode
        self.opener = opener
        self.stop_event = stop or threading.Event()
        self.opened = threading.Event()  # the source has been opened at least once
        self.ended = threading.Event()  # a capture file that does not loop has been read to its end
        self.detector = ModeDetector(mode, time.monotonic(), start=spec.likely_mode or Mode.HISTORIQUE)
        self.connection_log = ConnectionLog(spec.name, spec.url)
        self._mode_log = ThrottledLog(log)  # a source that alternates modes would fill the log
        self._opened_before = False
        self._clock = 0.0  # the source's clock for the index guard; it goes on across reconnections
        self._framed = False  # a valid frame has been read: reads pause longer (see LineSession)

    def stop(self) -> None:
        self.stop_event.set()

    def run(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self.stop_event.is_set():
            try:
                line = self.opener(self.spec, self.detector.baudrate)
            except (OSError, serial.SerialException, ValueError) as error:
                self.connection_log.cannot_open(_describe(error))
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
                continue
            except Exception:  # a bug of ours must not silently end this meter's reading
                log.exception("meter %s: unexpected error opening %s; retrying", self.spec.name, self.spec.url)
                self.stop_event.wait(BACKOFF_MAX_S)
                continue
            if self._opened_before:
                self.state.record_reconnect()
            self._opened_before = True
            self.opened.set()
            self.state.record_connected(True)
            self.connection_log.opened()
            backoff = BACKOFF_MIN_S
            try:
                self._read(line)
            except EOFError as end:
                log.info("meter %s: %s; no more data from this source", self.spec.name, end)
                self.ended.set()
                return
            except (OSError, serial.SerialException) as error:
                self.connection_log.lost(_describe(error))
            except Exception:  # a bug of ours must not silently end this meter's reading
                log.exception("meter %s: unexpected error reading %s; reopening it", self.spec.name, self.spec.url)
                backoff = BACKOFF_MAX_S
            finally:
                _close_quietly(line)
                self.state.record_connected(False)
            self.stop_event.wait(backoff)

    def _read(self, line: Line) -> None:
        session = LineSession(
            line,
            self.detector,
            self.mode,
            self.stop_event.wait,
            clock=self._clock,
            framed=self._framed,
            stats=self.state.decoder_stats,
        )
        watch_silence = self.spec.kind is SourceKind.SERIAL  # a capture or the simulator may pause
        spoke_at = time.monotonic()
        try:
            while not self.stop_event.is_set():
                chunk = session.read()
                if chunk.data:
                    spoke_at = chunk.now
                elif watch_silence and chunk.now - spoke_at > SILENCE_REOPEN_S:
                    raise SilentLine(f"silent for {SILENCE_REOPEN_S:g} s (a meter never stops talking)")
                self.connection_log.connected()
                self._record(chunk.frames, chunk.clock)
                if chunk.detection is not None:
                    self._announce(chunk.detection.mode, chunk.detection.kind)
        except EOFError:
            self._record(session.flush(), session.clock)
            self.state.flush()
            raise
        finally:
            self._clock, self._framed = session.clock, session.framed

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


def _close_quietly(line: Line) -> None:
    try:
        line.close()
    except (OSError, serial.SerialException):
        pass
