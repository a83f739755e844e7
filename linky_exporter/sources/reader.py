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
from collections.abc import Callable
from typing import Any, Protocol

import serial

from ..meter import MeterState
from ..tic.framing import Frame, FrameDecoder, FrameResult, Mode
from ..tic.reading import Reading, read_frame
from .autodetect import ModeDetector
from .connection_log import ConnectionLog
from .replay import CaptureFile
from .serial_line import FIRST_FRAME_PAUSE_S, READ_PAUSE_S, READ_TIMEOUT_S, open_serial, read_chunk
from .spec import SourceKind, SourceSpec

log = logging.getLogger(__name__)

BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 10.0  # a replugged dongle is read again within 10 s; retrying costs nothing


class Line(Protocol):
    """What the reader needs of a source: pyserial's reading interface."""

    baudrate: int

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


Opener = Callable[[SourceSpec, int], Line]


def open_line(spec: SourceSpec, baudrate: int) -> Line:
    """Open a source at ``baudrate``. Raises OSError, serial.SerialException or ValueError."""
    if spec.kind is SourceKind.FILE:
        return CaptureFile(spec.url, timeout=READ_TIMEOUT_S)
    if spec.kind is SourceKind.SIMULATED:
        from ..simulator import SimulatedSerial  # loaded only when asked for

        return SimulatedSerial(spec.url, baudrate=baudrate, timeout=READ_TIMEOUT_S)
    return open_serial(spec.url, baudrate)


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
        likely = spec.likely_mode
        self.detector = ModeDetector(mode, time.monotonic(), start=Mode(likely) if likely else Mode.HISTORIQUE)
        self.connection_log = ConnectionLog(spec.name, spec.url)
        self._opened_before = False
        self._clock = 0.0  # source time for the index guard, see _advance_clock

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
        decoder = FrameDecoder(mode=self.mode)
        detector = self.detector
        last = time.monotonic()
        try:
            while not self.stop_event.is_set():
                if line.baudrate != detector.baudrate:
                    line.baudrate = detector.baudrate
                    decoder = FrameDecoder(mode=self.mode)  # a half-read frame at the old speed is noise
                pause_s = READ_PAUSE_S if self.state.snapshot.last_frame_at else FIRST_FRAME_PAUSE_S
                chunk = read_chunk(line, self.stop_event.wait, pause_s)
                self.connection_log.connected()
                now = time.monotonic()
                clock = self._advance_clock(line, now - last, len(chunk))
                last = now
                frames = decoder.feed(chunk) if chunk else []
                self._record(chunk, frames, clock)
                detection = detector.observe(now, chunk, frames)
                if detection is not None:
                    self._announce(detection.mode, detection.kind)
        except EOFError:
            self._record(b"", decoder.flush(), self._clock)
            self.state.flush()
            raise

    def _record(self, chunk: bytes, frames: list[Frame], clock: float) -> None:
        pairs: list[tuple[Frame, Reading | None]] = [
            (frame, read_frame(frame) if frame.result is FrameResult.VALID else None) for frame in frames
        ]
        self.state.record_chunk(len(chunk), pairs, clock)

    def _advance_clock(self, line: Any, wall_s: float, size: int) -> float:
        """Seconds on the source's own time line, for the index guard.

        A live line is never faster than the wire, and a capture replayed as
        fast as possible is only as old as the time its bytes took on the wire:
        the clock advances by the larger of the two. A simulated meter running
        faster than real time has its own clock.
        """
        simulated = getattr(line, "simulated_seconds", None)
        if callable(simulated):
            self._clock = float(simulated())
        else:
            self._clock += max(wall_s, size * 10 / max(line.baudrate, 1))
        return self._clock

    def _announce(self, mode: Mode, kind: str) -> None:
        if kind == "detected":
            log.info("meter %s: TIC mode %s detected (%d Bd)", self.spec.name, mode.value, self.detector.baudrate)
            self.state.record_mode_detected(mode.value)
        else:
            log.warning(
                "meter %s: valid %s frames stopped while bytes keep coming; detecting the mode again",
                self.spec.name,
                mode.value,
            )


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _close_quietly(line: Line) -> None:
    try:
        line.close()
    except (OSError, serial.SerialException):
        pass
