"""A kind of log line that a source can repeat at will, written once a minute at most.

What a meter sends decides how often the exporter would log a new label, a change
of serial, a change of mode or a rewound index: a faulty or hostile source could
repeat any of them many times a second. Each kind goes through one
:class:`ThrottledLog`: the first line is written at once, the next ones once a
minute at most, and the next line written says how many were held back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

EVERY_S = 60.0


class ThrottledLog:
    def __init__(self, logger: logging.Logger, every_s: float = EVERY_S, clock: Callable[[], float] = time.monotonic):
        self._logger = logger
        self._every_s = every_s
        self._clock = clock
        self._logged_at = float("-inf")
        self._held = 0

    def log(self, level: int, message: str, *args: object, exc_info: bool = False) -> None:
        now = self._clock()
        if now - self._logged_at < self._every_s:
            self._held += 1
            return
        held, self._held, self._logged_at = self._held, 0, now
        if held:
            message += " (%d more such line%s held back since the last one)"
            args = (*args, held, "s" if held > 1 else "")
        self._logger.log(level, message, *args, exc_info=exc_info)
