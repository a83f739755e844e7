"""One opened line read chunk after chunk: the loop that serve, record and probe share.

A session follows the mode detector's speed (switching the line's baud rate and
starting a new decoder, since a half-read frame at the old speed is noise),
reads what the line holds (:func:`read_chunk`), decodes it, lets the detector
see it, and keeps the source's clock (the ``Line`` declares it). What to do with
the frames is the caller's: the exporter's reader records them, ``record``
writes the bytes, ``probe`` counts them.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..tic.framing import DecoderStats, Frame, FrameDecoder, FrameResult, Mode
from .autodetect import Detection, ModeDetector
from .line import Line
from .serial_line import FIRST_FRAME_PAUSE_S, IDLE_WAIT_S, READ_PAUSE_S, READ_SIZE

Pause = Callable[[float], object]


@dataclass(frozen=True)
class Chunk:
    """One read: its bytes, the frames they completed, and what they told."""

    data: bytes
    frames: list[Frame]
    now: float  # time.monotonic() after the read
    clock: float  # the source's clock (Line.source_seconds)
    detection: Detection | None  # the detector's news, if any
    switched: bool  # the line's speed was changed before this read


class LineSession:
    """Reading one opened ``line``.

    ``detector`` picks the speed (None: the line stays at the speed it was
    opened at); ``decoder_mode`` fixes the decoder's mode (None: either).
    ``clock``, ``framed`` and ``stats`` carry over from an earlier session on
    the same source (a reconnection): the source's clock goes on, once a valid
    frame has been read reads pause longer, and every decoder of the session
    counts into ``stats`` (default: the session's own).
    """

    def __init__(
        self,
        line: Line,
        detector: ModeDetector | None,
        decoder_mode: Mode | None = None,
        pause: Pause = time.sleep,
        clock: float = 0.0,
        framed: bool = False,
        stats: DecoderStats | None = None,
    ):
        self.line = line
        self.detector = detector
        self.decoder_mode = decoder_mode
        self.pause = pause
        self.stats = DecoderStats() if stats is None else stats
        self.decoder = FrameDecoder(mode=decoder_mode, stats=self.stats)
        self.clock = clock
        self.framed = framed
        self._last = time.monotonic()

    @property
    def pause_s(self) -> float:
        """Until the first valid frame, read more often: the first metrics come sooner."""
        return READ_PAUSE_S if self.framed else FIRST_FRAME_PAUSE_S

    def read(self, pause_s: float | None = None) -> Chunk:
        """Read and decode one chunk. Raises what the line raises (OSError, EOFError...)."""
        switched = self._follow_speed()
        data = read_chunk(self.line, self.pause, self.pause_s if pause_s is None else pause_s)
        now = time.monotonic()
        self.clock = self.line.source_seconds(self.clock, now - self._last, len(data))
        self._last = now
        frames = self.decoder.feed(data) if data else []
        if not self.framed:
            self.framed = any(frame.result is FrameResult.VALID for frame in frames)
        detection = self.detector.observe(now, data, frames) if self.detector is not None else None
        return Chunk(data, frames, now, self.clock, detection, switched)

    def flush(self) -> list[Frame]:
        """The frame left half-read when the line ended."""
        return self.decoder.flush()

    def _follow_speed(self) -> bool:
        detector = self.detector
        if detector is None or self.line.baudrate == detector.baudrate:
            return False
        self.line.baudrate = detector.baudrate
        self.decoder = FrameDecoder(mode=self.decoder_mode, stats=self.stats)  # a half-read frame at the old speed is noise
        return True


def read_chunk(line: Line, pause: Pause = time.sleep, pause_s: float = READ_PAUSE_S) -> bytes:
    """Whatever the line holds (up to READ_SIZE bytes), then wait for more.

    A full read means more is waiting (a capture replayed as fast as possible):
    no wait then. After a short read, pause so the next read gathers a burst;
    on a silent line that has a file descriptor, sleep until it speaks instead.
    ``pause`` is the sleeping function (a stop event's ``wait``).
    """
    chunk = line.read(READ_SIZE)
    if len(chunk) >= READ_SIZE:
        return chunk
    if chunk:
        pause(pause_s)
        return chunk
    try:
        fd = line.wait_fd()
        if fd is None:
            pause(pause_s)
        else:
            select.select([fd], [], [], IDLE_WAIT_S)
    except (OSError, ValueError):  # closed under us: the next read reports it
        pause(pause_s)
    return chunk
