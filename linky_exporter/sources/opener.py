"""Open a source from its spec: a capture, a plugged source (the simulator) or a serial line."""

from __future__ import annotations

from collections.abc import Callable

from .line import Line
from .plugged import PROVIDERS, provider
from .replay import CaptureFile
from .serial_line import READ_TIMEOUT_S, open_serial
from .spec import SourceKind, SourceSpec

Opener = Callable[[SourceSpec, int], Line]


def open_line(spec: SourceSpec, baudrate: int) -> Line:
    """Open a source at ``baudrate``. Raises OSError, serial.SerialException or ValueError."""
    if spec.kind is SourceKind.FILE:
        return CaptureFile(spec.url, timeout=READ_TIMEOUT_S)
    if spec.scheme in PROVIDERS:
        return provider(spec.scheme).open_line(spec.url, baudrate, READ_TIMEOUT_S)
    return open_serial(spec.url, baudrate)
