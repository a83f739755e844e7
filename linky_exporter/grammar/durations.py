"""Durations as people write them: one grammar, read the exporter's way or Go's.

The exporter's flags and the simulator's URLs: ``90`` (seconds), ``500ms``, ``30s``,
``10m``, ``1h30m``, ``1.5h``, ``2d``: a bare number of seconds, or pieces of a number
and a unit, largest unit first, each unit at most once.

exporter-toolkit's web configuration file (``rate_limit.interval``) is read as Go's
``time.ParseDuration`` reads it, so that the same file means the same for
node_exporter: a unit on every number but a lone ``0``, ``ns`` to ``h``, pieces in any
order.

The bounds and their wording are the caller's (a setting wants more than 0 and at most
a year), so :func:`parse_duration` gives a bare number back as float() reads it,
negative, infinite or NaN included; :func:`parse_nonnegative_duration` is the bound
of a simulated offset or length.
"""

from __future__ import annotations

import math
import re
from typing import Any

# Longest unit names first: "5ms" is five milliseconds, not five minutes and an "s".
_PIECE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)")
_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9}
_OURS = ("d", "h", "m", "s", "ms")  # in the order they must come
_OURS_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_GOS = frozenset(("h", "m", "s", "ms", "us", "µs", "μs", "ns"))


def _pieces(text: str) -> list[tuple[str, str]] | None:
    """(number, unit) pieces that make up the whole of ``text``, else None."""
    pieces = _PIECE.findall(text)
    if not pieces or "".join(number + unit for number, unit in pieces) != text:
        return None
    return pieces


def _ours(pieces: list[tuple[str, str]]) -> bool:
    order = [_OURS.index(unit) if unit in _OURS else -1 for _, unit in pieces]
    return (
        -1 not in order
        and all(a < b for a, b in zip(order, order[1:]))
        and all(_OURS_NUMBER.fullmatch(number) for number, _ in pieces)
    )


def parse_duration(text: str) -> float:
    """Seconds in ``text`` (the exporter's grammar). Raises ValueError when it is not a duration at all."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pieces = _pieces(text)
        if pieces is None or not _ours(pieces):
            raise ValueError(f"{text!r} is not a duration (e.g. 90s, 10m, 1h30m)") from None
        return sum(float(number) * _SECONDS[unit] for number, unit in pieces)


def parse_nonnegative_duration(text: str) -> float:
    """Seconds in ``text`` (the exporter's grammar), finite and 0 or more: a simulated offset or length."""
    seconds = parse_duration(text)
    if not 0 <= seconds < math.inf:
        raise ValueError(f"{text.strip()!r} is not a duration (e.g. 90s, 10m, 1h30m)")
    return seconds


def parse_go_duration(value: Any) -> float:
    """Seconds from a Go duration (``1s``, ``250ms``, ``1m30s``, ``0``), as exporter-toolkit reads ``interval``."""
    if isinstance(value, str):
        text = value.strip()
        if text == "0":
            return 0.0
        pieces = _pieces(text)
        if pieces is not None and all(unit in _GOS for _, unit in pieces):
            return sum(float(number) * _SECONDS[unit] for number, unit in pieces)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return 0.0
    raise ValueError(f"expected a Go duration with its unit such as 1s or 250ms, got {value!r}")
