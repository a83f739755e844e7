"""``rate_limit``: exporter-toolkit's token bucket (golang.org/x/time/rate) for the whole server."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """``burst`` requests at once, then one per ``interval`` seconds. Not thread-safe: the event loop owns it."""

    def __init__(self, interval: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def allow(self) -> bool:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) / self.interval)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
