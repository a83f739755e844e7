"""Group checks: layout, checksum and content of each group of a frame (docs/protocol.md §2, §3).

``check_groups`` is the decoder's hot path (about a million groups a second when a
capture is replayed), so it stays one loop with local names rather than a
function per mode.
"""

from __future__ import annotations

import re

from .frame import HT, SP, Frame, Group, Mode

# A 7E1 line read as 8N1 (a UART without parity, a pty, a dongle) delivers the
# parity bit in bit 7: clearing it gives back the 7-bit character.
CLEAR_BIT_7 = bytes(b & 0x7F for b in range(256))
# Data and labels are printable ASCII (0x20-0x7E); HT only as a standard separator.
_NOT_PRINTABLE_OR_HT = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# NamedTuple's own __new__ is a Python function; this is the C one it calls.
_new_group = tuple.__new__

#: Valid groups by their text (without LF and CR): (label, group, the mode its separator says).
KnownGroups = dict[str, tuple[str, Group, Mode]]


def check_groups(
    pieces: list[bytes], texts: list[str], suspect: bool, tabs: bool, frame: Frame, known: KnownGroups | None = None
) -> KnownGroups:
    """Validate each group (layout, then checksum, then content) into ``frame``.

    ``pieces`` and ``texts`` are the same groups without LF and CR, as bytes (for
    the checksum) and as text (for the fields). ``suspect``: the frame holds a
    control character other than HT somewhere, so each group is searched for one;
    ``tabs``: it holds an HT, which a historique group must not.

    ``known``: the valid groups of the previous frame, as returned. Whether a group
    is valid, and what it holds, depends on its text alone, and most of a frame's
    groups repeat the previous frame's: those are taken as they were checked.
    """
    groups = frame.groups
    mode = frame.mode
    standard, historique = Mode.STANDARD, Mode.HISTORIQUE  # enum lookups are slow
    valid = bad_checksum = malformed = 0
    seen: KnownGroups = {}
    if known is None:
        known = seen
    for piece, text in zip(pieces, texts):
        hit = known.get(text)
        if hit is not None:
            label, group, group_mode = hit
            if mode is None:
                mode = group_mode
            elif mode is not group_mode:
                malformed += 1
                continue
            valid += 1
            groups[label] = group
            seen[text] = hit
            continue
        if len(piece) < 4:
            malformed += 1
            continue
        total = sum(piece)
        check = piece[-1]
        separator = piece[-2]
        if separator == SP:
            label, sp, data = text[:-2].partition(" ")
            if not sp or not label:
                malformed += 1
                continue
            # Historique: the SP before the checksum is not summed.
            if ((total - check - SP) & 0x3F) + 0x20 != check:
                bad_checksum += 1
                continue
            if (tabs and "\t" in text) or (suspect and _NOT_PRINTABLE_OR_HT.search(piece)):
                malformed += 1
                continue
            horodate, group_mode = None, historique
        elif separator == HT:
            fields = text[:-2].split("\t")
            if len(fields) == 2:
                label, data = fields
                horodate = None
            elif len(fields) == 3:
                label, horodate, data = fields
            else:
                malformed += 1
                continue
            # Standard: everything up to and including the HT before the checksum.
            if ((total - check) & 0x3F) + 0x20 != check:
                bad_checksum += 1
                continue
            if not label or " " in label or (suspect and _NOT_PRINTABLE_OR_HT.search(piece)):
                malformed += 1
                continue
            group_mode = standard
        else:
            malformed += 1
            continue
        if mode is None:
            mode = group_mode
        elif mode is not group_mode:
            malformed += 1  # the other mode's separator: not this frame's
            continue
        valid += 1
        group = groups[label] = _new_group(Group, (data, horodate))
        seen[text] = (label, group, group_mode)
    frame.mode, frame.groups_valid, frame.groups_bad_checksum = mode, valid, bad_checksum
    frame.groups_malformed += malformed
    return seen


def count_valid_groups(data: bytes) -> int:
    """How many whole groups with a valid checksum ``data`` holds, wherever frames start.

    Mode detection uses it to tell the right speed from the wrong one within a
    few hundred bytes, before any frame boundary has been seen.
    """
    masked = data.translate(CLEAR_BIT_7)
    pieces = [piece[: piece.find(b"\r")] for piece in masked.split(b"\n")[1:] if b"\r" in piece]
    frame = Frame()
    check_groups(pieces, [piece.decode("latin-1") for piece in pieces], True, True, frame)
    return frame.groups_valid
