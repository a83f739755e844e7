"""What a reader logs about its source's connection: changes of state, never a flood.

A source that opens, gets lost and is reopened logs each change once: "reading",
"lost", "cannot open" (each distinct problem once while it lasts). A source that
is lost again within WINDOW_S of its last loss is flapping (a ser2net that resets
every 100 ms would otherwise log two lines per reconnection): its resets are then
counted, not logged, and one summary per window says how many there were, until
it holds for a whole window or stays down (then it is logged as a plain outage).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

WINDOW_S = 60.0


class ConnectionLog:
    def __init__(
        self, meter: str, url: str, clock: Callable[[], float] = time.monotonic, window_s: float | None = None
    ):
        self.meter = meter
        self.url = url
        self.clock = clock
        self.window_s = WINDOW_S if window_s is None else window_s
        self._problem: str | None = None  # the outage logged last, not logged again while it lasts
        self._last_error = ""
        self._lost_at: float | None = None
        self._connected_at: float | None = None
        self._flapping = False
        self._window_start = 0.0
        self._resets = 0
        self._failed_opens = 0
        self._opens = 0

    def opened(self) -> None:
        now = self.clock()
        self._connected_at = now
        self._problem = None
        if self._flapping:
            self._opens += 1
            self._summarise_if_due(now)
        else:
            log.info("meter %s: reading %s", self.meter, self.url)

    def lost(self, error: str) -> None:
        now = self.clock()
        self._connected_at = None
        self._last_error = error
        if self._flapping:
            self._resets += 1
            self._summarise_if_due(now)
        elif self._lost_at is not None and now - self._lost_at < self.window_s:
            self._flapping = True
            self._window_start = now
            self._resets, self._failed_opens, self._opens = 1, 0, 0
            log.warning(
                "meter %s: lost %s again: %s; it keeps dropping, so one summary every %g s until it holds",
                self.meter, self.url, error, self.window_s,
            )
        else:
            log.warning("meter %s: lost %s: %s; reconnecting", self.meter, self.url, error)
        self._lost_at = now

    def cannot_open(self, error: str) -> None:
        self._last_error = error
        if self._flapping:
            self._failed_opens += 1
            self._summarise_if_due(self.clock())
        elif error != self._problem:
            log.warning("meter %s: cannot open %s: %s; retrying", self.meter, self.url, error)
            self._problem = error

    def connected(self) -> None:
        """Called while the source is read: a flapping source that has held for a window is steady again."""
        if not self._flapping or self._connected_at is None:
            return
        held = self.clock() - self._connected_at
        if held >= self.window_s:
            log.info(
                "meter %s: %s holds again (connected for %.0f s, %d reset(s) since the last summary)",
                self.meter, self.url, held, self._resets,
            )
            self._flapping = False
            self._lost_at = None

    def _summarise_if_due(self, now: float) -> None:
        elapsed = now - self._window_start
        if elapsed < self.window_s:
            return
        failed = f", could not be opened {self._failed_opens} time(s)" if self._failed_opens else ""
        log.warning(
            "meter %s: %s reset %d time(s)%s in the last %.0f s; still retrying (last error: %s)",
            self.meter, self.url, self._resets, failed, elapsed, self._last_error,
        )
        if self._opens == 0 and self._connected_at is None:
            # Down for a whole window: an outage now, logged again only if its problem changes.
            self._flapping = False
            self._lost_at = None
            self._problem = self._last_error
        self._window_start = now
        self._resets = self._failed_opens = self._opens = 0
