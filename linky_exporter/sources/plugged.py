"""Sources that another package provides, found by URL scheme and imported only when one is given.

The built-in simulated meter is such a source: ``sources/`` knows its scheme
and the module that answers for it, not its URL grammar. The module is
imported the first time a source of its scheme is parsed, so that an exporter
reading a real meter never loads the simulator (its memory footprint on a
Raspberry Pi).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from ..tic.framing import Mode
    from .line import Line

#: scheme -> module providing the functions of :class:`PluggedSource`.
PROVIDERS = {"simulated": "linky_exporter.simulator.source"}


class PluggedSource(Protocol):
    """What a module providing a source offers (module-level functions)."""

    def check(self, url: str) -> None:
        """Refuse a URL this source cannot read: ValueError with one line for the user."""
        ...

    def likely_mode(self, url: str) -> Mode | None:
        """The TIC mode the source will most likely send, to try first (None: historique)."""
        ...

    def open_line(self, url: str, baudrate: int, timeout: float) -> Line:
        """Open the source as a line at ``baudrate``."""
        ...


def provider(scheme: str) -> PluggedSource:
    """The module answering for ``scheme`` (one of PROVIDERS), imported now if it was not."""
    return cast("PluggedSource", import_module(PROVIDERS[scheme]))
