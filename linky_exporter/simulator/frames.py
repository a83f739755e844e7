"""Frame bytes: STX, groups ``LF label SEP [horodate SEP] data SEP checksum CR``, ETX.

Layouts (which groups, in which order) live in ``layout_historique`` and
``layout_standard``; this module turns a list of groups into the exact bytes a
meter sends, with the checksum rule of each mode (docs/protocol.md §3).
"""

from __future__ import annotations

from typing import NamedTuple

from ..tic.framing import Mode, checksum
from .clock import local_datetime

STX, ETX, EOT = b"\x02", b"\x03", b"\x04"


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


def build_frame(meter, mode: Mode, short: bool = False) -> bytes:
    """The frame ``meter`` sends now in ``mode`` (a short frame: historique three-phase only)."""
    from . import layout_historique, layout_standard

    if mode is Mode.HISTORIQUE:
        fields = layout_historique.short_fields(meter) if short else layout_historique.long_fields(meter)
    else:
        fields = layout_standard.fields(meter)
    return encode_frame(fields, mode)
