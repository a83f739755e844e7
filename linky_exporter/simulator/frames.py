"""Frame bytes: STX, groups ``LF label SEP [horodate SEP] data SEP checksum CR``, ETX.

Layouts (which groups, in which order) live in ``layout_historique`` and
``layout_standard``; this module turns a list of groups into the exact bytes a
meter sends, with the checksum rule of each mode (docs/protocol.md §3).

The simulator is the decoder's oracle: its encoders are written here, apart
from ``linky_exporter.tic``'s decoding, because an oracle must not share the
code it checks (a mistake shared by both would pass every test). What it does
take from ``tic/`` is facts, not logic: the control characters, baud rates,
label tables, status-register codes (a wrong table there would show in the
specification, not be hidden by a test).
"""

from __future__ import annotations

from typing import NamedTuple

from ..tic import framing
from ..tic.framing import Mode, checksum
from .clock import local_datetime

STX, ETX, EOT = bytes((framing.STX,)), bytes((framing.ETX,)), bytes((framing.EOT,))


class Field(NamedTuple):
    label: str
    data: str
    horodate: str | None = None


def encode_group(field: Field, mode: Mode) -> bytes:
    if mode is Mode.HISTORIQUE:
        payload = f"{field.label} {field.data}".encode("ascii")
        return b"\n" + payload + b" " + bytes((checksum(payload),)) + b"\r"
    if field.horodate is None:
        payload = f"{field.label}\t{field.data}\t".encode("ascii")
    else:
        payload = f"{field.label}\t{field.horodate}\t{field.data}\t".encode("ascii")
    return b"\n" + payload + bytes((checksum(payload),)) + b"\r"


def encode_frame(fields: list[Field], mode: Mode) -> bytes:
    return STX + b"".join(encode_group(field, mode) for field in fields) + ETX


def horodate(epoch_ms: int, degraded: bool = False) -> str:
    """``SAAMMJJhhmmss`` in local legal time; S = E (summer) or H (winter)."""
    moment = local_datetime(epoch_ms)
    season = "E" if moment.dst() else "H"
    return (season.lower() if degraded else season) + moment.strftime("%y%m%d%H%M%S")


def number(value: float, width: int) -> str:
    """Zero-padded, clamped to what the width can hold (a meter never overflows its field)."""
    return f"{max(0, min(round(value), 10**width - 1)):0{width}d}"
