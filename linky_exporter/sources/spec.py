"""``--tic.source [NAME=]URL``: which meter, read from where."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

DEFAULT_METER = "linky"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,62}")
_SERIAL_SCHEMES = {"socket", "rfc2217", "loop", "spy", "alt", "hwgrep", "cp2110"}


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
    def likely_mode(self) -> str | None:
        """The mode to try first: what a simulated:// URL names; None (historique) otherwise."""
        if self.kind is SourceKind.SIMULATED:
            mode = urlsplit(self.url).netloc or "standard"
            return mode if mode in ("historique", "standard") else None
        return None


def parse_source(text: str) -> SourceSpec:
    """Parse ``[NAME=]URL``. Raises ValueError with a message meant for the user."""
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
    scheme = urlsplit(url).scheme if "://" in url else ""
    if scheme == "simulated":
        kind = SourceKind.SIMULATED
    elif scheme == "file":
        kind = SourceKind.FILE
        if not urlsplit(url).path:
            raise ValueError(f"file source {url!r} needs a path: file:///path/to/capture.tic")
    elif scheme and scheme not in _SERIAL_SCHEMES:
        raise ValueError(
            f"unknown source scheme {scheme!r} in {url!r}: use a device path, socket://, rfc2217://, "
            "file:// or simulated://"
        )
    else:
        kind = SourceKind.SERIAL
    return SourceSpec(name, url, kind)
