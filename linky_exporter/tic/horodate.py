"""Horodates (standard mode): ``SAAMMJJhhmmss`` in the meter's local legal time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_SUMMER = timezone(timedelta(hours=2), "CEST")
_WINTER = timezone(timedelta(hours=1), "CET")

try:
    PARIS: timezone | ZoneInfo = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # no tz database: winter time is the safer guess
    PARIS = _WINTER


class Horodate(NamedTuple):
    when: datetime  # timezone-aware
    clock_degraded: bool  # lowercase season letter: the meter's clock is unreliable


# A frame's horodates but DATE are the same from one frame to the next (the day's
# maximum powers, the load curve's points): a few hundred cached parses are most of
# them (the values are immutable, and a bad horodate is not cached: it raises again).
@lru_cache(maxsize=256)
def parse_horodate(raw: str) -> Horodate:
    """Parse ``E210414082625`` into an aware datetime.

    The season letter gives the offset: ``E`` summer (UTC+2), ``H`` winter
    (UTC+1); lowercase when the meter's clock is degraded. DPMx/FPMx carry a
    space instead: the offset is then that of Europe/Paris at that time.
    Raises ValueError on anything else.
    """
    if len(raw) != 13 or not raw[1:].isdigit() or not raw[1:].isascii():
        raise ValueError(f"horodate must be a season letter and 12 digits, got {raw!r}")
    season = raw[0]
    naive = datetime(
        2000 + int(raw[1:3]), int(raw[3:5]), int(raw[5:7]), int(raw[7:9]), int(raw[9:11]), int(raw[11:13])
    )
    if season in "Ee":
        zone: timezone | ZoneInfo = _SUMMER
    elif season in "Hh":
        zone = _WINTER
    elif season == " ":
        zone = PARIS
    else:
        raise ValueError(f"horodate season letter must be E, H, e, h or a space, got {season!r}")
    return Horodate(naive.replace(tzinfo=zone), season in "eh")
