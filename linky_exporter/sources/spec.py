"""``--tic.source [NAME=]URL``: which meter, read from where, checked before anything is opened.

Every mistake that can be seen in the text of a source is refused here with one
line: an unknown scheme, a socket:// without a port, a port out of range, a
simulator option it does not know (the simulator's own grammar decides, see
:mod:`.plugged`), a
capture option. What needs the file system (a capture that must exist, the same
device given twice) is checked by :mod:`.checks`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlsplit

from ..grammar.host_port import split_host_port
from ..tic.framing import Mode
from .plugged import PROVIDERS, provider
from .replay import parse_capture_url

DEFAULT_METER = "linky"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,62}")
_SERIAL_SCHEMES = {"socket", "rfc2217", "loop", "spy", "alt", "hwgrep", "cp2110"}
_NETWORK_SCHEMES = {"socket", "rfc2217"}
_LOG_LEVELS = ("debug", "info", "warning", "error")  # pyserial's ?logging= values
# In a list given as one string (an environment variable), a comma separates two
# sources only where a new source starts: NAME=, scheme:// or /. A comma inside a
# URL's query (scenario=tempo_red,overload) is followed by none of them.
_LIST_SEPARATOR = re.compile(r"\s+|,(?=\s*(?:[A-Za-z_][A-Za-z0-9_.-]{0,62}=|[A-Za-z][A-Za-z0-9+.-]*://|/|,|$))")


class SourceKind(StrEnum):
    SERIAL = "serial"  # a device path or any pyserial URL (socket://, rfc2217://, ...)
    FILE = "file"  # a capture replayed: file:///path/capture.tic
    SIMULATED = "simulated"  # the built-in simulated meter: simulated://MODE?options


@dataclass(frozen=True)
class SourceSpec:
    name: str
    url: str
    kind: SourceKind

    def __str__(self) -> str:
        return f"{self.name}={self.url}"

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower() if "://" in self.url else ""

    @property
    def likely_mode(self) -> Mode | None:
        """The mode to try first: what a plugged source (the simulator) says; None (historique) otherwise."""
        if self.scheme in PROVIDERS:
            return provider(self.scheme).likely_mode(self.url)
        return None


def split_sources(text: str) -> list[str]:
    """Sources written in one string: separated by spaces, newlines, or commas that start a new source."""
    return [item.strip() for item in _LIST_SEPARATOR.split(text) if item and item.strip()]


def parse_source(text: str) -> SourceSpec:
    """Parse and check ``[NAME=]URL``. Raises ValueError with a message meant for the user."""
    text = text.strip()
    if not text:
        raise ValueError("a source cannot be empty")
    name, url = DEFAULT_METER, text
    head, sep, tail = text.partition("=")
    # A URL's query can hold "=": only a plain name before the first "=" is a meter name.
    if sep and _NAME.fullmatch(head):
        name, url = head, tail
    elif sep and "/" not in head and ":" not in head:
        raise ValueError(
            f"meter name {head!r} must start with a letter or _ and hold only letters, digits, _ . - (63 at most)"
        )
    if not url:
        raise ValueError(f"source {text!r} names meter {name!r} but gives no URL")
    try:
        scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    except ValueError as error:  # an unclosed [ of an IPv6 address
        raise ValueError(f"{url!r} is not a valid URL: {error}") from None
    if scheme in PROVIDERS:
        kind = SourceKind(scheme)
        # The source's own grammar, checked at start (imported only when such a source is given).
        provider(scheme).check(url)
    elif scheme == "file":
        kind = SourceKind.FILE
        parse_capture_url(url)
    elif scheme and scheme not in _SERIAL_SCHEMES:
        raise ValueError(
            f"unknown source scheme {scheme!r} in {url!r}: use a device path, socket://, rfc2217://, "
            "file:// or simulated://"
        )
    else:
        kind = SourceKind.SERIAL
        if scheme in _NETWORK_SCHEMES:
            network_address(url)
        elif not scheme and not url.startswith("/"):
            raise ValueError(f"device {url!r} is not an absolute path: did you mean /dev/{url.lstrip('./')}?")
    return SourceSpec(name, url, kind)


def network_address(url: str) -> tuple[str, int]:
    """(host, port) of a socket:// or rfc2217:// URL, checked as pyserial will use it. Raises ValueError."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    form = f"{scheme}://HOST:PORT"
    try:
        host, port = split_host_port(parts.netloc.rpartition("@")[2])
    except ValueError:
        raise ValueError(f"{url!r}: the port must be a number between 1 and 65535 ({form})") from None
    if not host:
        raise ValueError(f"{url!r} names no host: {form}")
    if port is None:
        raise ValueError(f"{url!r} gives no port: {form}, e.g. {scheme}://{host}:2000")
    if not 1 <= port <= 65535:
        raise ValueError(f"{url!r}: port {port} is not between 1 and 65535")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"{url!r}: {form} takes no path")
    _check_network_options(url, scheme, parse_qsl(parts.query, keep_blank_values=True))
    return host.lower(), port


def _check_network_options(url: str, scheme: str, options: list[tuple[str, str]]) -> None:
    known = ("logging",) if scheme == "socket" else ("logging", "ign_set_control", "poll_modem", "timeout")
    for option, value in options:
        if option not in known:
            raise ValueError(f"{url!r}: unknown option {option!r} (known: {', '.join(known)})")
        if option == "logging" and value not in _LOG_LEVELS:
            raise ValueError(f"{url!r}: logging must be one of {', '.join(_LOG_LEVELS)}")
        if option == "timeout":
            try:
                seconds = float(value)
            except ValueError:
                seconds = math.nan
            if not (math.isfinite(seconds) and seconds > 0):
                raise ValueError(f"{url!r}: timeout must be a positive number of seconds")
