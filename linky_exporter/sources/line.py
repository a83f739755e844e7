"""What a source is to its readers: a ``Line`` with its own clock.

Three kinds of source stand behind the same interface: a serial line (a device
or any pyserial URL), a capture replayed (:mod:`.replay`) and the built-in
simulated meter (plugged in by scheme through :mod:`.plugged`, imported only
when a simulated source is given). Each declares its own clock
(``source_seconds``): the index guard measures elapsed energy time with it.
:mod:`.opener` opens one from a spec.
"""

from __future__ import annotations

from typing import Protocol


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
