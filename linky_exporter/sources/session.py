"""One opened line read chunk after chunk: the loop that serve, record and probe share.

A session follows the mode detector's speed (switching the line's baud rate and
starting a new decoder, since a half-read frame at the old speed is noise),
reads what the line holds, decodes it, lets the detector see it, keeps the
source's clock (the ``Line`` declares it) and says how long to wait before the
next read (:func:`wait_after`). What to do with the frames is the caller's: the
exporter's reader records them, ``record`` writes the bytes, ``probe`` counts
them. ``record`` and ``probe`` wait in :meth:`LineSession.read`; the exporter's
reading loop reads with :meth:`LineSession.read_now` and waits for all its lines
at once.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..tic.framing import DecoderStats, Frame, FrameDecoder, FrameResult, Mode
from .autodetect import Detection, ModeDetector
from .frame_timing import FrameTiming
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
        self.timing = FrameTiming()
        self.clock = clock
        self.framed = framed
        self._last = time.monotonic()

    @property
    def pause_s(self) -> float:
        """Until the first valid frame, read more often: the first metrics come sooner."""
        return READ_PAUSE_S if self.framed else FIRST_FRAME_PAUSE_S

    def read(self, pause_s: float | None = None) -> Chunk:
        """Read and decode one chunk, then wait as :func:`wait_after` says (with ``pause``,
        or in ``select()`` on a silent line's descriptor). Raises what the line raises
        (OSError, EOFError...)."""
        chunk = self.read_now()
        wait = wait_after(self.line, len(chunk.data), self.pause_s if pause_s is None else pause_s)
        if wait.fd is None:
            if wait.seconds:
                self.pause(wait.seconds)
        else:
            try:
                select.select([wait.fd], [], [], wait.seconds)
            except (OSError, ValueError):  # closed under us: the next read reports it
                self.pause(self.pause_s)
        return chunk

    def read_now(self) -> Chunk:
        """Read what the line holds and decode it, without waiting: the reading loop
        (linky_exporter.meter.reading_loop) waits for all its lines at once."""
        switched = self._follow_speed()
        data = self.line.read(READ_SIZE)
        now = time.monotonic()
        self.clock = self.line.source_seconds(self.clock, now - self._last, len(data))
        self._last = now
        frames = self.decoder.feed(data) if data else []
        self.timing.observe(now, len(frames), self.decoder.unfinished, self.line.baudrate)
        if not self.framed:
            self.framed = any(frame.result is FrameResult.VALID for frame in frames)
        detection = self.detector.observe(now, data, frames, switched) if self.detector is not None else None
        return Chunk(data, frames, now, self.clock, detection, switched)

    def wait(self, chunk: Chunk) -> Wait:
        """How long to wait after ``chunk`` before the next read (see :func:`wait_after`):
        once frames flow, until just after the next one has ended (frame_timing.py)."""
        wait = wait_after(self.line, len(chunk.data), self.pause_s)
        if self.framed and wait.fd is None and wait.seconds:
            return Wait(self.timing.wait(chunk.now, wait.seconds))
        return wait

    def flush(self) -> list[Frame]:
        """The frame left half-read when the line ended."""
        return self.decoder.flush()

    def _follow_speed(self) -> bool:
        detector = self.detector
        if detector is None or self.line.baudrate == detector.baudrate:
            return False
        self.line.baudrate = detector.baudrate
        self.decoder = FrameDecoder(mode=self.decoder_mode, stats=self.stats)  # a half-read frame at the old speed is noise
        self.timing = FrameTiming()
        return True


@dataclass(frozen=True)
class Wait:
    """Until the next read: ``seconds``, or until ``fd`` becomes readable if it comes first."""

    seconds: float
    fd: int | None = None


def wait_after(line: Line, size: int, pause_s: float = READ_PAUSE_S) -> Wait:
    """The wait after a read of ``size`` bytes.

    A full read means more is waiting (a capture replayed as fast as possible):
    no wait then. After a short read, pause so the next read gathers a burst;
    on a silent line that has a file descriptor, sleep until it speaks instead
    (IDLE_WAIT_S at most).
    """
    if size >= READ_SIZE:
        return Wait(0.0)
    if size:
        return Wait(pause_s)
    try:
        fd = line.wait_fd()
    except (OSError, ValueError):  # closed under us: the next read reports it
        fd = None
    return Wait(pause_s) if fd is None else Wait(IDLE_WAIT_S, fd)
