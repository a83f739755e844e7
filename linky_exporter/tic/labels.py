"""The label table: what each known label may carry, per mode (docs/protocol.md §5, §6).

A group whose checksum holds can still be noise: the checksum is six bits, so one
corrupted group in 64 passes it by chance. Every known label therefore has an
exact width and character class, and a value that does not fit is rejected
before it can become a number. Labels not in the table are kept as text and
reported as unknown, never interpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .framing import Group, Mode

_HORODATE = re.compile(r"[EHeh ]\d{12}")


@dataclass(frozen=True)
class LabelSpec:
    label: str
    pattern: str  # the data field, as a regular expression matched in full
    horodate: bool = False  # the group carries a horodate (standard only)
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", re.compile(self.pattern))

    def accepts(self, group: Group) -> bool:
        """True if ``group`` is a possible value of this label."""
        if self._regex.fullmatch(group.value) is None:
            return False
        if self.horodate:
            return group.horodate is not None and _HORODATE.fullmatch(group.horodate) is not None
        return group.horodate is None


def _digits(width: int) -> str:
    return rf"\d{{{width}}}"


def _text(width: int) -> str:
    # Text is informational and never becomes a number; meters pad it to the
    # width but a real producer meter sends NGTF "PRODUCTEUR" unpadded.
    return rf"[ -~]{{1,{width}}}"


_HIST_INDEX = _digits(9)
_PHASE_SUFFIXES = ("", "1", "2", "3")

HISTORIQUE_LABELS: dict[str, LabelSpec] = {
    spec.label: spec
    for spec in [
        LabelSpec("ADCO", _digits(12)),  # meter address (serial)
        # BASE, HC.., EJP., and BBRx for Tempo where only "BBR" is meaningful.
        LabelSpec("OPTARIF", r"BASE|HC\.\.|EJP\.|BBR[ -~]"),  # tariff option
        LabelSpec("ISOUSC", _digits(2)),  # A, subscribed current
        LabelSpec("BASE", _HIST_INDEX),  # Wh, base index
        LabelSpec("HCHC", _HIST_INDEX),  # Wh, off-peak index
        LabelSpec("HCHP", _HIST_INDEX),  # Wh, peak index
        LabelSpec("EJPHN", _HIST_INDEX),  # Wh, EJP normal hours index
        LabelSpec("EJPHPM", _HIST_INDEX),  # Wh, EJP mobile-peak hours index
        *[
            LabelSpec(f"BBRH{hour}J{colour}", _HIST_INDEX)  # Wh, Tempo index per hour type and colour
            for colour in "BWR"
            for hour in ("C", "P")
        ],
        LabelSpec("PEJP", _digits(2)),  # min, EJP start notice
        LabelSpec("PTEC", r"TH\.\.|HC\.\.|HP\.\.|HN\.\.|PM\.\.|H[CP]J[BWR]"),  # current tariff period
        LabelSpec("DEMAIN", r"----|BLEU|BLAN|ROUG"),  # tomorrow's Tempo colour
        *[LabelSpec(f"IINST{p}", _digits(3)) for p in _PHASE_SUFFIXES],  # A, current
        LabelSpec("ADPS", _digits(3)),  # A, over-subscription warning
        *[LabelSpec(f"ADIR{p}", _digits(3)) for p in "123"],  # A, over-current warning
        *[LabelSpec(f"IMAX{p}", _digits(3)) for p in _PHASE_SUFFIXES],  # A, maximum current
        LabelSpec("PMAX", _digits(5)),  # VA, max apparent power of the previous day
        LabelSpec("PAPP", _digits(5)),  # VA, apparent power
        LabelSpec("HHPHC", r"[A-Z]"),  # peak/off-peak schedule group
        LabelSpec("MOTDETAT", r"[0-9A-F]{6}"),  # meter status word
        LabelSpec("PPOT", r"[0-9A-F]{2}"),  # phase presence
    ]
}

_STD_INDEX = _digits(9)
_HD = True  # carries a horodate

STANDARD_LABELS: dict[str, LabelSpec] = {
    spec.label: spec
    for spec in [
        LabelSpec("ADSC", _digits(12)),  # secondary address (serial)
        LabelSpec("VTIC", _digits(2)),  # TIC version
        LabelSpec("DATE", "", horodate=_HD),  # meter clock
        LabelSpec("NGTF", _text(16)),  # supplier calendar name
        LabelSpec("LTARF", _text(16)),  # current supplier tariff label
        LabelSpec("EAST", _STD_INDEX),  # Wh, total active energy drawn
        *[LabelSpec(f"EASF{i:02d}", _STD_INDEX) for i in range(1, 11)],  # Wh, drawn energy per supplier index
        *[LabelSpec(f"EASD{i:02d}", _STD_INDEX) for i in range(1, 5)],  # Wh, drawn energy per distributor index
        LabelSpec("EAIT", _STD_INDEX),  # Wh, total active energy injected
        *[LabelSpec(f"ERQ{q}", _STD_INDEX) for q in range(1, 5)],  # VArh, reactive energy per quadrant
        *[LabelSpec(f"IRMS{p}", _digits(3)) for p in "123"],  # A, RMS current per phase
        *[LabelSpec(f"URMS{p}", _digits(3)) for p in "123"],  # V, RMS voltage per phase
        LabelSpec("PREF", _digits(2)),  # kVA, reference apparent power
        LabelSpec("PCOUP", _digits(2)),  # kVA, cut-off apparent power
        *[LabelSpec(f"SINSTS{p}", _digits(5)) for p in _PHASE_SUFFIXES],  # VA, apparent power drawn
        *[
            LabelSpec(f"SMAXSN{p}{day}", _digits(5), horodate=_HD)  # VA, max apparent power drawn
            for p in _PHASE_SUFFIXES
            for day in ("", "-1")
        ],
        LabelSpec("SINSTI", _digits(5)),  # VA, apparent power injected
        *[LabelSpec(f"SMAXIN{day}", _digits(5), horodate=_HD) for day in ("", "-1")],  # VA, max apparent power injected
        *[LabelSpec(f"CCASN{n}", _digits(5), horodate=_HD) for n in ("", "-1")],  # W, load-curve point, drawn
        *[LabelSpec(f"CCAIN{n}", _digits(5), horodate=_HD) for n in ("", "-1")],  # W, load-curve point, injected
        *[LabelSpec(f"UMOY{p}", _digits(3), horodate=_HD) for p in "123"],  # V, mean voltage per phase
        LabelSpec("STGE", r"[0-9A-F]{8}"),  # status register
        *[LabelSpec(f"{edge}PM{n}", _digits(2), horodate=_HD) for n in "123" for edge in "DF"],  # mobile peak start/end
        LabelSpec("MSG1", _text(32)),  # short message
        LabelSpec("MSG2", _text(16)),  # ultra-short message
        LabelSpec("PRM", _digits(14)),  # delivery point id
        LabelSpec("RELAIS", _digits(3)),  # relays, decimal bitmask
        LabelSpec("NTARF", _digits(2)),  # current supplier index
        LabelSpec("NJOURF", _digits(2)),  # current day profile
        LabelSpec("NJOURF+1", _digits(2)),  # next day profile
        # 11 blocks HHMMSSSS (or NONUTILE) separated by SP.
        LabelSpec("PJOURF+1", r"(?:[0-9A-F]{8}|NONUTILE)(?: (?:[0-9A-F]{8}|NONUTILE)){10}"),  # next day profile
        LabelSpec("PPOINTE", r"(?:[0-9A-F]{8}|NONUTILE)(?: (?:[0-9A-F]{8}|NONUTILE)){10}"),  # next peak-day profile
    ]
}

LABELS: dict[Mode, dict[str, LabelSpec]] = {
    Mode.HISTORIQUE: HISTORIQUE_LABELS,
    Mode.STANDARD: STANDARD_LABELS,
}
