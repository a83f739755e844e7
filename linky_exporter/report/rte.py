"""Tempo colours from RTE's public Tempo service, the one behind RTE's eco2mix site.

``GET {url}?season=2024-2025`` answers ``{"values": {"2024-09-01": "BLUE", ...}}`` for
the days decided so far, with no account or key. The URL is a flag
(``--tempo.rte-url``) so that tests point it at a local fake and a machine offline
skips it (an empty URL). A failure is one line that says so; the days stay without
colour.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import date

from .calendars import Colour, rte_values

DEFAULT_URL = "https://www.services-rte.com/cms/open_data/v1/tempo"
MAX_ANSWER_BYTES = 1 << 20


class RteError(Exception):
    """RTE's service could not be read: one line."""


def fetch_tempo(url: str, seasons: list[str], timeout: float = 15) -> dict[date, Colour]:
    colours: dict[date, Colour] = {}
    for season in seasons:
        address = f"{url}?{urllib.parse.urlencode({'season': season})}"
        request = urllib.request.Request(address, headers={"Accept": "application/json",
                                                           "User-Agent": "linky-exporter report"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise RteError(f"RTE's Tempo service at {url}: HTTP {error.code} for season {season}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RteError(f"RTE's Tempo service at {url} cannot be reached: {reason}") from None
        if len(body) > MAX_ANSWER_BYTES:
            raise RteError(f"RTE's Tempo service at {url}: the answer for season {season} is larger than 1 MiB")
        try:
            colours.update(rte_values(json.loads(body)))
        except ValueError as error:
            raise RteError(f"RTE's Tempo service at {url}, season {season}: {error}") from None
    return colours
