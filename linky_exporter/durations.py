"""Durations as people write them, for the exporter's flags and the simulator's URLs alike.

``90`` (seconds), ``500ms``, ``30s``, ``10m``, ``1h30m``, ``1.5h``, ``2d``: a bare number
of seconds, or pieces of a number and a unit, largest unit first, each unit at most once.
The bounds and their wording are the caller's (the exporter wants more than 0 and at
most a year, the simulator accepts 0), so a bare number comes back as float() reads it,
negative, infinite or NaN included.
"""

from __future__ import annotations

import re

_NUMBER = r"(\d+(?:\.\d+)?)"
# m(?!s): "5ms" is five milliseconds, not five minutes followed by garbage.
_PIECES = re.compile(rf"(?:{_NUMBER}d)?(?:{_NUMBER}h)?(?:{_NUMBER}m(?!s))?(?:{_NUMBER}s)?(?:{_NUMBER}ms)?")
_UNIT_SECONDS = (86400.0, 3600.0, 60.0, 1.0, 0.001)


def parse_duration(text: str) -> float:
    """Seconds in ``text``. Raises ValueError when it is not a duration at all."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        match = _PIECES.fullmatch(text)
        if match is None or not any(match.groups()):
            raise ValueError(f"{text!r} is not a duration (e.g. 90s, 10m, 1h30m)") from None
        return sum(float(number) * unit for number, unit in zip(match.groups(), _UNIT_SECONDS) if number)
