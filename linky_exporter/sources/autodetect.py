"""Finding the TIC mode of a line from valid frames, and finding it again when it changes.

Enedis switches meters from historique (1200 Bd) to standard (9600 Bd)
remotely, and a reader fixed on the old speed then sees garbage forever. The
detector decides on *valid frames* only: a mode is locked when a frame with a
valid checksum arrives, and a line is declared at the wrong speed when it
delivers bytes that hold no valid group at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..tic.framing import BAUD, Frame, FrameResult, Mode, count_valid_groups

OTHER = {Mode.HISTORIQUE: Mode.STANDARD, Mode.STANDARD: Mode.HISTORIQUE}

#: This many bytes without a whole valid group means the wrong speed (or a wiring
#: problem). At the right speed a whole group lies within twice the longest one:
#: a historique group is 21 bytes at most with its LF and CR (ADCO), so 80 bytes
#: hold three; a standard one 110 (PJOURF+1). A line at the wrong speed gives some
#: 120 bytes of garbage a second, so trying historique first (the factory mode)
#: gives up after about 0.7 s rather than 1.7 s, and standard after 1.7 s.
GARBAGE_BYTES = {Mode.HISTORIQUE: 80, Mode.STANDARD: 200}
#: Bytes kept to look for a whole group across chunk boundaries.
_WINDOW = 256
#: Longest wait at one speed without a valid group: a partial frame then a whole
#: one would be up to 6 s in historique (a three-phase frame is 3 s on the wire),
#: but valid groups prove the speed sooner, and each one starts the wait again.
ATTEMPT_SECONDS = {Mode.HISTORIQUE: 5.0, Mode.STANDARD: 3.0}
#: Once locked, how long without a valid frame (while bytes keep coming) before
#: looking for the mode again. Several historique frames' worth.
RELOCK_SECONDS = 10.0


@dataclass(frozen=True)
class Detection:
    mode: Mode
    kind: str  # "detected" (first time or changed) or "lost"


class ModeDetector:
    """Which speed to read at. ``fixed`` skips detection."""

    def __init__(self, fixed: Mode | None, now: float, start: Mode = Mode.HISTORIQUE):
        self.fixed = fixed
        self.locked: Mode | None = fixed
        self.trying: Mode = fixed or start  # Linky meters leave the factory in historique
        self._attempt_started = now
        self._bytes_without_group = 0
        self._recent = bytearray()  # the last bytes read, to find groups across chunks
        self._last_valid = now

    @property
    def baudrate(self) -> int:
        return BAUD[self.locked or self.trying]

    def observe(self, now: float, chunk: bytes, frames: list[Frame], switched: bool = False) -> Detection | None:
        """Account for a chunk and the frames it completed; say when the mode changed.

        ``switched``: the line's speed was changed just before this chunk was read, so
        its bytes are partly what arrived at the old speed (a UART keeps what it
        received when its speed changes): they are searched for groups but not held
        against the new speed."""
        if self.fixed is not None:
            return None
        event = None
        if any(frame.groups_valid for frame in frames):
            self._right_speed(now)
        elif self.locked is None or now - self._last_valid > RELOCK_SECONDS:
            # Frames end only at ETX, and a frame can take 2 s: whole groups with a
            # valid checksum tell sooner that the speed is right. (Not needed while
            # locked frames keep coming: this is the reader's hot path.)
            self._recent += chunk
            if count_valid_groups(self._recent):
                self._right_speed(now)
            else:
                if not switched:
                    self._bytes_without_group += len(chunk)
                del self._recent[:-_WINDOW]
        for frame in frames:
            if frame.result is FrameResult.VALID and frame.mode is not None:
                self._last_valid = now
                if frame.mode is not self.locked:
                    self.locked = self.trying = frame.mode
                    event = Detection(frame.mode, "detected")
        if event is not None:
            return event
        if self.locked is not None:
            if now - self._last_valid > RELOCK_SECONDS and self._bytes_without_group >= GARBAGE_BYTES[self.locked]:
                lost = self.locked
                self.locked = None
                self._switch(OTHER[lost], now)
                return Detection(lost, "lost")
            return None
        if self._bytes_without_group >= GARBAGE_BYTES[self.trying] or now - self._attempt_started >= ATTEMPT_SECONDS[self.trying]:
            self._switch(OTHER[self.trying], now)
        return None

    def _right_speed(self, now: float) -> None:
        """Valid groups came: this speed is right. The attempt goes on while they come, for a
        frame can take longer than ATTEMPT_SECONDS to end (three-phase historique: 3 s)."""
        self._bytes_without_group = 0
        self._recent.clear()
        self._attempt_started = now

    def _switch(self, mode: Mode, now: float) -> None:
        self.trying = mode
        self._attempt_started = now
        self._bytes_without_group = 0
        self._recent.clear()
