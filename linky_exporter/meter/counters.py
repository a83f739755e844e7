"""The exporter's own counters for one meter's source: bytes, frames, groups, connections, modes.

Bytes, frames and groups are the decoder's own statistics (``DecoderStats``,
tic/framing.py): every decoder the source's reader makes counts into
``decoded``, so ``linky-exporter decode`` and the served counters cannot
disagree. Only what the decoder cannot know is counted here: groups refused
by the label table or the index guard. The counters belong to the source, not
to the meter: a change of meter does not reset them.
"""

from __future__ import annotations

from collections import Counter

from ..tic.framing import DecoderStats, FrameResult
from ..tic.reading import Reading

#: The ``result`` values of linky_exporter_groups_total that are not "valid": groups lost or refused.
GROUP_ERRORS = ("checksum_error", "malformed", "rejected_value")


class SourceCounters:
    def __init__(self) -> None:
        self.decoded = DecoderStats()  # the source's decoders count bytes, frames and groups here
        self.label_rejected = 0  # groups with a good checksum whose value the label table refused
        self.guard_rejected = 0  # energy values the index guard refused
        self.reconnects = 0
        self.connected = False
        self.mode_detections: Counter[str] = Counter()

    def count_rejected(self, reading: Reading) -> None:
        self.label_rejected += len(reading.rejected)

    def frames(self) -> dict[str, int]:
        decoded = self.decoded
        return {
            FrameResult.VALID.value: decoded.frames_valid,
            FrameResult.INVALID.value: decoded.frames_invalid,
            FrameResult.INTERRUPTED.value: decoded.frames_interrupted,
        }

    def groups(self) -> dict[str, int]:
        """By the ``result`` label: a group refused by the label table is not valid but rejected_value."""
        decoded = self.decoded
        checksum_error, malformed, rejected_value = GROUP_ERRORS
        return {
            "valid": decoded.groups_valid - self.label_rejected,
            checksum_error: decoded.groups_bad_checksum,
            malformed: decoded.groups_malformed,
            rejected_value: self.label_rejected + self.guard_rejected,
        }
