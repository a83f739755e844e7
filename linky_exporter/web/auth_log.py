"""Who sends wrong passwords: a line at the first, then one a minute at most, naming the clients.

A scraper left with an old password, or someone guessing, shows as a climbing
``linky_exporter_http_responses_total{code="401"}``; this says who: client
address and user name, with counts. A request without credentials is not
counted here: a browser sends one first, before it asks for the password. The
clients are kept in a bounded table, so a flood from many addresses costs
bounded memory and one line a minute.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

log = logging.getLogger(__name__)

EVERY_S = 60.0
MAX_CLIENTS = 256  # (address, user) pairs remembered between two lines; beyond, only counted
NAMED_IN_A_LINE = 5
MAX_USER_CHARACTERS = 64

CallLater = Callable[[float, Callable[[], None]], object]


class WrongPasswordLog:
    """``call_later(delay, callback)`` schedules the next line (the event loop's)."""

    def __init__(self, call_later: CallLater, clock: Callable[[], float] = time.monotonic):
        self._call_later = call_later
        self._clock = clock
        self._by_client: Counter[tuple[str, str]] = Counter()
        self._unnamed = 0  # beyond MAX_CLIENTS
        self._logged_at = float("-inf")
        self._line_scheduled = False

    def note(self, address: str, user: str) -> None:
        """A request from ``address`` whose password for ``user`` was wrong."""
        key = (address, user[:MAX_USER_CHARACTERS])
        if key in self._by_client or len(self._by_client) < MAX_CLIENTS:
            self._by_client[key] += 1
        else:
            self._unnamed += 1
        if self._line_scheduled:
            return
        wait = self._logged_at + EVERY_S - self._clock()
        if wait <= 0:
            self._write_line()
        else:
            self._line_scheduled = True
            self._call_later(wait, self._scheduled_line)

    def _scheduled_line(self) -> None:
        self._line_scheduled = False
        self._write_line()

    def _write_line(self) -> None:
        named = self._by_client.most_common(NAMED_IN_A_LINE)
        total = sum(self._by_client.values()) + self._unnamed
        others = total - sum(count for _, count in named)
        clients = ", ".join(f"{address} as user {user!r} ({count})" for (address, user), count in named)
        log.warning(
            "%d request(s) refused for a wrong password: %s%s",
            total, clients, f", and {others} from other clients" if others else "",
        )
        self._by_client.clear()
        self._unnamed = 0
        self._logged_at = self._clock()
