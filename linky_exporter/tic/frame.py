"""What the decoder produces: frames of checksum-verified groups, and the protocol's constants.

Kept apart from the decoder (framing.py) and the group checks (groups.py) so that
both, and everything that reads frames, share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

STX = 0x02
ETX = 0x03
EOT = 0x04
HT = 0x09
SP = 0x20


class Mode(StrEnum):
    HISTORIQUE = "historique"
    STANDARD = "standard"


#: The line speed of each mode (docs/protocol.md §1); 7 data bits, even parity, 1 stop bit.
BAUD = {Mode.HISTORIQUE: 1200, Mode.STANDARD: 9600}


class FrameResult(StrEnum):
    """What became of a frame; the values are the ``result`` label of the exporter."""

    VALID = "valid"  # STX .. ETX with at least one valid group
    INVALID = "invalid"  # partial (joined mid-stream, lost ETX, overflow) or no valid group
    INTERRUPTED = "interrupted"  # aborted by the meter with EOT


def checksum(payload: bytes) -> int:
    """The TIC checksum character of ``payload``: ``(sum & 0x3F) + 0x20``.

    ``payload`` is what the mode sums: historique ``label SP data`` (the SP before
    the checksum excluded), standard ``label HT [horodate HT] data HT`` (included).
    """
    return (sum(payload) & 0x3F) + 0x20


class Group(NamedTuple):
    """One checksum-verified group: its raw data (spaces included) and horodate.

    The label is the key of :attr:`Frame.groups`.
    """

    value: str
    horodate: str | None = None


@dataclass(slots=True)
class Frame:
    """A frame (or a fragment of one) with its valid groups and its bad-group counts."""

    groups: dict[str, Group] = field(default_factory=dict)
    mode: Mode | None = None
    result: FrameResult = FrameResult.INVALID
    groups_valid: int = 0  # can exceed len(groups) if a label is repeated
    groups_bad_checksum: int = 0
    groups_malformed: int = 0
