"""What a source is to its readers: a ``Line`` with its own clock, and how to open one from a spec.

Three kinds of source stand behind the same interface: a serial line (a device
or any pyserial URL), a capture replayed (:mod:`.replay`) and the built-in
simulated meter (plugged in by scheme through :mod:`.plugged`, imported only
when a simulated source is given). Each declares its own clock
(``source_seconds``): the index guard measures elapsed energy time with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .plugged import PROVIDERS, provider
from .replay import CaptureFile
from .serial_line import READ_TIMEOUT_S, open_serial
from .spec import SourceKind, SourceSpec


class Line(Protocol):
    """What the readers need of a source: pyserial's reading interface plus the source's clock."""

    baudrate: int

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...

    def source_seconds(self, previous: float, wall_s: float, size: int) -> float:
        """The source's clock, in seconds, after a read that took ``wall_s`` and gave ``size`` bytes.

        ``previous`` is the clock before the read (it carries over a reconnection).
        """
        ...

    def wait_fd(self) -> int | None:
        """A descriptor that becomes readable when the line speaks (a tty), so a reader
        can sleep on a silent line; None when there is none (a socket:// URL, a capture)."""
        ...


Opener = Callable[[SourceSpec, int], Line]


def open_line(spec: SourceSpec, baudrate: int) -> Line:
    """Open a source at ``baudrate``. Raises OSError, serial.SerialException or ValueError."""
    if spec.kind is SourceKind.FILE:
        return CaptureFile(spec.url, timeout=READ_TIMEOUT_S)
    if spec.scheme in PROVIDERS:
        return provider(spec.scheme).open_line(spec.url, baudrate, READ_TIMEOUT_S)
    return open_serial(spec.url, baudrate)
