"""One setting's value: the grammar and bounds of a duration, a price and a listen address.

Each parser raises ValueError with a message that says what was expected; the
settings (settings.py) name the flag, variable or file key it came from.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator

from ..grammar import durations
from ..grammar.host_port import split_host_port
from .errors import describe_value

DEFAULT_PORT = 9798
MAX_DURATION_S = 366 * 86400  # longer is a typo, and would overflow timers


def parse_duration(value: Any) -> float:
    """Seconds from ``30s``, ``2m``, ``1h30m``, ``500ms`` or a bare number of seconds (grammar/durations.py)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            seconds = durations.parse_duration(value)
        except ValueError:
            raise ValueError(f"expected a duration such as 30s, 2m or 1h30m, got {value!r}") from None
    else:
        raise ValueError(f"expected a duration such as 30s, 2m or 1h30m, got {describe_value(value)}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"expected a finite duration above 0 such as 30s, 2m or 1h30m, got {value!r}")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"{value!r} is more than a year: give a duration such as 30s, 2m or 1h30m")
    return seconds


def parse_price(value: Any) -> float:
    """Euros: a finite number >= 0 (a string of one too, as environment variables give)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a price in euros such as 0.1952, got {describe_value(value)}")
    try:
        price = float(value)
    except ValueError:
        raise ValueError(f"expected a price in euros such as 0.1952 (with a dot), got {value!r}") from None
    if not math.isfinite(price) or price < 0:
        raise ValueError(f"expected a finite price in euros, 0 or more, got {value!r}")
    return price


Price = Annotated[float, BeforeValidator(parse_price)]


def split_listen_address(address: str) -> tuple[str, int]:
    """``[host]:port`` (``:9798``, ``127.0.0.1:9798``, ``[::1]:9798``) -> (host, port)."""
    try:
        host, port = split_host_port(address)
    except ValueError:
        port = None
    if port is None:
        raise ValueError(f"{address!r} is not [host]:port, e.g. :{DEFAULT_PORT} or 127.0.0.1:{DEFAULT_PORT}")
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is out of range")
    return host, port
