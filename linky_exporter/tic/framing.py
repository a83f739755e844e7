"""Incremental TIC framing: raw bytes in, frames of checksum-verified groups out.

The decoder is fed chunks of any size (one byte to megabytes) and keeps only the
unfinished tail of the stream, bounded by ``max_frame_bytes``. It works on whole
frames with ``bytes`` operations (split, find, sum) rather than a Python loop per
byte: a meter sends about one frame a second, but replaying a capture or
benchmarking pushes tens of thousands per second through here.

Both modes are handled by the same code, group by group, from the separator just
before the checksum character (SP: historique, HT: standard), so a frame's mode
is a fact observed in its valid groups, never a guess made on garbage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The frame model and the constants live in frame.py; they are imported from here too.
from .frame import BAUD, EOT, ETX, HT, SP, STX, Frame, FrameResult, Group, Mode, checksum
from .groups import CLEAR_BIT_7, KnownGroups, check_groups, count_valid_groups

__all__ = [
    "BAUD", "DEFAULT_MAX_FRAME_BYTES", "EOT", "ETX", "HT", "SP", "STX", "DecoderStats", "Frame", "FrameDecoder",
    "FrameResult", "Group", "Mode", "checksum", "check_groups", "count_valid_groups",
]

#: A standard three-phase producer frame is about 1,500 bytes, with PJOURF+1 and
#: PPOINTE 2,000 at most. Anything this long without STX/ETX/EOT is not a frame.
DEFAULT_MAX_FRAME_BYTES = 8192

_STX_OR_EOT = re.compile(rb"[\x02\x04]")
# What a clean historique frame body holds: printable ASCII, LF and CR.
_FRAME_CHARACTERS = b"\n\r" + bytes(range(0x20, 0x7F))


@dataclass(slots=True)
class DecoderStats:
    """Running totals of one decoder, or of every decoder a source has had: the exporter's
    source counters are these (a new decoder after a change of speed or a reconnection
    is given the source's totals to go on with)."""

    bytes: int = 0
    frames_valid: int = 0
    frames_invalid: int = 0
    frames_interrupted: int = 0
    frames_overflowed: int = 0  # counted in frames_invalid too
    groups_valid: int = 0
    groups_bad_checksum: int = 0
    groups_malformed: int = 0
    stray_bytes: int = 0

    def count(self, frame: Frame) -> None:
        """Count one emitted frame and its groups."""
        if frame.result is FrameResult.VALID:
            self.frames_valid += 1
        elif frame.result is FrameResult.INTERRUPTED:
            self.frames_interrupted += 1
        else:
            self.frames_invalid += 1
        self.groups_valid += frame.groups_valid
        self.groups_bad_checksum += frame.groups_bad_checksum
        self.groups_malformed += frame.groups_malformed


class FrameDecoder:
    """Turns a TIC byte stream into :class:`Frame` objects.

    ``feed()`` returns every frame completed by the chunk, valid or not, so that
    the caller can count them; only ``FrameResult.VALID`` frames carry data worth
    using. ``flush()`` ends the stream (end of a capture file) and returns the
    unfinished fragment, if any.

    ``mode`` fixes the accepted mode; groups of the other mode are then malformed.
    With ``mode=None`` a frame takes the mode of its first valid group.
    ``stats`` are the totals to count into (default: new ones).
    """

    def __init__(
        self, mode: Mode | None = None, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES, stats: DecoderStats | None = None
    ):
        self.mode = mode
        self.max_frame_bytes = max_frame_bytes
        self.stats = DecoderStats() if stats is None else stats
        self._pending = bytearray()
        # True once STX opened the pending fragment; False while we do not know
        # where the pending bytes started (start of stream, after ETX, after a drop).
        self._opened = False
        # After an overflow, bytes are thrown away until the next control byte.
        self._discarding = False
        # The last frame's valid groups, by text: most of them come again in the next.
        self._known: KnownGroups = {}

    def feed(self, chunk: bytes) -> list[Frame]:
        self.stats.bytes += len(chunk)
        data = chunk.translate(CLEAR_BIT_7)
        frames: list[Frame] = []
        parts = data.split(b"\x03")
        last = len(parts) - 1
        for i, part in enumerate(parts):
            if (
                i < last
                and part[:1] == b"\x02"
                and not self._pending
                and not self._opened
                and not self._discarding
                and part.find(b"\x02", 1) < 0
                and part.find(b"\x04") < 0
            ):
                # The usual case, STX body ETX in one piece: no state to go through.
                self._emit(part[1:], FrameResult.VALID, frames)
                continue
            self._consume(part, frames)
            if i < last:
                self._discarding = False
                self._on_control(ETX, frames)
        return frames

    @property
    def unfinished(self) -> int:
        """Bytes kept since the last frame ended (the next frame's beginning, or noise)."""
        return len(self._pending)

    def flush(self) -> list[Frame]:
        """End of stream: the pending fragment, if it holds anything, is a partial frame."""
        frames: list[Frame] = []
        if self._opened or _has_group_material(self._pending):
            self._emit_pending(FrameResult.INVALID, frames)
        else:
            self._drop_pending()
        self._opened = False
        self._discarding = False
        return frames

    # -- internals -----------------------------------------------------------

    def _consume(self, part: bytes, frames: list[Frame]) -> None:
        """Bytes with no ETX in them: STX and EOT change state, the rest is kept."""
        start = 0
        for match in _STX_OR_EOT.finditer(part):
            self._append(part[start : match.start()], frames)
            self._discarding = False
            self._on_control(part[match.start()], frames)
            start = match.end()
        self._append(part[start:], frames)

    def _append(self, data: bytes, frames: list[Frame]) -> None:
        if self._discarding:
            self.stats.stray_bytes += len(data)
            return
        self._pending += data
        if len(self._pending) > self.max_frame_bytes:
            # Emitted as an invalid frame without groups, like any other lost frame,
            # so that whoever counts frames (the exporter's frames_total) counts it.
            self.stats.frames_overflowed += 1
            overflowed = Frame(mode=self.mode)
            self.stats.count(overflowed)
            frames.append(overflowed)
            self._drop_pending()
            self._opened = False
            self._discarding = True

    def _on_control(self, control: int, frames: list[Frame]) -> None:
        opened = self._opened
        has_groups = opened or _has_group_material(self._pending)
        if control == STX:
            # A fragment still open here lost its ETX (or started before we joined).
            if has_groups:
                self._emit_pending(FrameResult.INVALID, frames)
            else:
                self._drop_pending()
            self._opened = True
            return
        if has_groups:
            if control == EOT:  # the meter aborts the frame and restarts with STX
                self._emit_pending(FrameResult.INTERRUPTED, frames)
            else:  # ETX; without STX we joined mid-frame
                self._emit_pending(FrameResult.VALID if opened else FrameResult.INVALID, frames)
        else:
            self._drop_pending()
            self.stats.stray_bytes += 1
        self._opened = False

    def _drop_pending(self) -> None:
        self.stats.stray_bytes += len(self._pending)
        self._pending.clear()

    def _emit_pending(self, result: FrameResult, frames: list[Frame]) -> None:
        body = bytes(self._pending)
        self._pending.clear()
        self._emit(body, result, frames)

    def _emit(self, body: bytes, result: FrameResult, frames: list[Frame]) -> None:
        frame = self._parse(body)
        if result is FrameResult.VALID and not frame.groups_valid:
            result = FrameResult.INVALID
        frame.result = result
        self.stats.count(frame)
        frames.append(frame)

    def _parse(self, body: bytes) -> Frame:
        frame = Frame(mode=self.mode)
        # Control characters are rare: one look per frame spares one per group.
        unusual = body.translate(None, _FRAME_CHARACTERS)
        tabs = b"\t" in unusual  # standard separators, or noise in a historique frame
        suspect = bool(unusual.translate(None, b"\t"))
        if body[:2] == b"\r\n" or body[-2:] == b"\r\n":
            # STX CR LF group CR LF ... group CR LF ETX (seen in real three-phase
            # captures): a CR after STX and an LF before ETX are stray, not groups.
            body = self._trim_line_ends(body)
        inner = body[1:-1]
        pieces = inner.split(b"\r\n")
        if (
            not suspect
            and body[:1] == b"\n"
            and body[-1:] == b"\r"
            and inner.count(b"\r") == len(pieces) - 1 == inner.count(b"\n")
        ):
            # The frame as a meter sends it: LF group CR, LF group CR, ...
            texts = inner.decode("latin-1").split("\r\n")
        else:
            pieces, texts = self._split_damaged(body, frame)
        self._known = check_groups(pieces, texts, suspect, tabs, frame, self._known)
        return frame

    def _trim_line_ends(self, body: bytes) -> bytes:
        if body[:2] == b"\r\n":
            body = body[1:]
            self.stats.stray_bytes += 1
        if body[-2:] == b"\r\n":
            body = body[:-1]
            self.stats.stray_bytes += 1
        return body

    def _split_damaged(self, body: bytes, frame: Frame) -> tuple[list[bytes], list[str]]:
        """Groups of a frame with anomalies, each without its LF and CR.

        A group runs from LF to the first CR; a group with no CR before the next
        LF (or the frame's end) is truncated; bytes between a CR and the next LF
        are line noise. Before the first LF there is nothing in a clean frame, or
        the tail of a group if the stream started mid-group (it has a CR).
        """
        pieces = body.split(b"\n")
        head = pieces[0]
        if head.strip(b"\r"):
            if b"\r" in head:
                frame.groups_malformed += 1
            else:
                self.stats.stray_bytes += len(head)
        else:
            self.stats.stray_bytes += len(head)  # nothing, or line ends: no group
        groups: list[bytes] = []
        for piece in pieces[1:]:
            if not piece.strip(b"\r"):
                self.stats.stray_bytes += len(piece) + 1  # an LF with nothing but CRs after it
                continue
            cr = piece.find(b"\r")
            if cr < 0:
                frame.groups_malformed += 1
                continue
            self.stats.stray_bytes += len(piece) - cr - 1
            groups.append(piece[:cr])
        return groups, [group.decode("latin-1") for group in groups]


def _has_group_material(pending: bytearray) -> bool:
    """Whether bytes outside STX..ETX may hold (part of) a group: line ends alone do not."""
    return (b"\n" in pending or b"\r" in pending) and bool(pending.strip(b"\r\n"))
