"""What the HTTP server counts, for the linky_exporter_http_* metrics.

Written by the server's event loop thread, read by a scrape on an application
thread: the status counts are copied under a lock, the rest are plain ints.
"""

from __future__ import annotations

import threading


class HttpCounts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._responses: dict[int, int] = {200: 0}  # a scraped exporter has answered 200 at least once
        self.refused = 0  # connections closed on arrival: no held one could give way
        self.pushed_out = 0  # idle connections closed to make room for a new one
        self.held = 0  # connections held now

    def response(self, status: int) -> None:
        with self._lock:
            self._responses[status] = self._responses.get(status, 0) + 1

    def responses(self) -> dict[int, int]:
        with self._lock:
            return dict(self._responses)
