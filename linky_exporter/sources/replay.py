"""Replaying a capture file as if it were a serial line: at the meter's pace or as fast as possible.

``file:///path/capture.tic`` replays at the meter's pace (10 bits per character
at the speed of the capture's mode); ``?pace=fast`` replays as fast as it can be
read; ``?loop=1`` starts again at the end. At the end of a capture that does
not loop, ``read`` raises EOFError: the source has ended, and the exporter does
not reopen it (replaying it again would make counters go back).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, unquote, urlsplit

from ..tic.framing import BAUD, FrameDecoder, FrameResult, Mode
from .pacing import BITS_PER_CHARACTER, LinePacer, wire_seconds

_SCAN_BYTES = 1 << 16


class CaptureFile:
    """A pyserial-like reader of a capture file (``read``, ``timeout``, ``baudrate``, ``close``)."""

    def __init__(self, url: str, timeout: float = 0.1):
        self.path, self.fast, self.loop = parse_capture_url(url)
        with open(self.path, "rb") as stream:  # OSError if missing: the reader retries
            self._data = stream.read()
        self.mode = _capture_mode(self._data[:_SCAN_BYTES])
        # The capture's own speed, whatever the reader asks for: a file has no line.
        self._wire_baud = BAUD[self.mode] if self.mode else 1200
        self.baudrate = self._wire_baud
        self.timeout = timeout
        self.is_open = True
        self._position = 0
        self._sent = 0  # bytes delivered since opening, loops included
        self._pacer = LinePacer()

    def read(self, size: int = 1) -> bytes:
        if self._position >= len(self._data):
            if not self.loop or not self._data:
                raise EOFError(f"end of capture {self.path}")
            self._position = 0
        if self.fast:
            size = max(size, 1)
        else:
            # How many characters the line has carried by now, minus those already given.
            due = self._pacer.arrived(0, self._wire_baud) - self._sent
            if due <= 0:
                time.sleep(min(self.timeout, BITS_PER_CHARACTER / self._wire_baud * max(1, size)))
                return b""
            size = min(size, due)
        chunk = self._data[self._position : self._position + size]
        self._position += len(chunk)
        if self.loop and len(chunk) < size:
            # A looping capture has no end: fill the read across the seam.
            tail = self._data[: size - len(chunk)]
            self._position = len(tail)
            chunk += tail
        self._sent += len(chunk)
        return chunk

    def close(self) -> None:
        self.is_open = False

    def source_seconds(self, previous: float, wall_s: float, size: int) -> float:
        """A replayed capture's clock is the wire's, even replayed as fast as possible."""
        return wire_seconds(previous, wall_s, size, self.baudrate)

    def wait_fd(self) -> None:
        return None  # paced by its own reads


def parse_capture_url(url: str) -> tuple[str, bool, bool]:
    """(path, fast, loop) of ``file:///path[?pace=meter|fast&loop=0|1]``. Raises ValueError (one line)."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"{url!r}: a capture is file:///absolute/path (three slashes), not file://{parts.netloc}/...")
    path = unquote(parts.path)
    if not path:
        raise ValueError(f"file source {url!r} needs a path: file:///path/to/capture.tic")
    options: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in options:
            raise ValueError(f"{url!r}: option {key} is given twice")
        options[key] = value
    unknown = set(options) - {"pace", "loop"}
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))} in {url!r}: use pace=meter|fast, loop=0|1")
    if options.get("pace", "meter") not in ("meter", "fast"):
        raise ValueError(f"pace must be meter or fast in {url!r}")
    if options.get("loop", "0") not in ("0", "1"):
        raise ValueError(f"loop must be 0 or 1 in {url!r}")
    return path, options.get("pace") == "fast", options.get("loop") == "1"


def _capture_mode(head: bytes) -> Mode | None:
    decoder = FrameDecoder()
    for frame in decoder.feed(head) + decoder.flush():
        if frame.result is FrameResult.VALID:
            return frame.mode
    return None
