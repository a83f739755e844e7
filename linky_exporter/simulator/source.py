"""The simulated meter as an exporter source: what ``sources/`` asks of a ``simulated://`` URL.

``linky_exporter.sources.plugged`` imports this module (and so the simulator)
only when a simulated source is given; the URL grammar stays here, in
:mod:`.url`.
"""

from __future__ import annotations

from ..tic.framing import Mode
from .line import SimulatedSerial
from .url import parse_url


def check(url: str) -> None:
    """Parse ``url`` with the simulator's own grammar. Raises ValueError (one line, naming the URL)."""
    try:
        parse_url(url)
    except ValueError as error:
        raise ValueError(f"{url!r}: {error}") from None


def likely_mode(url: str) -> Mode | None:
    """The mode the simulated meter starts in."""
    return parse_url(url).mode


def open_line(url: str, baudrate: int, timeout: float) -> SimulatedSerial:
    return SimulatedSerial(url, baudrate=baudrate, timeout=timeout)
