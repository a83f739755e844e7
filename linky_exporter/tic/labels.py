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
    unit: str = ""
    horodate: bool = False  # the group carries a horodate (standard only)
    meaning: str = ""
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


def _spec(label: str, pattern: str, unit: str = "", meaning: str = "", horodate: bool = False) -> LabelSpec:
    return LabelSpec(label, pattern, unit, horodate, meaning)


_HIST_INDEX = _digits(9)
_PHASE_SUFFIXES = ("", "1", "2", "3")

HISTORIQUE_LABELS: dict[str, LabelSpec] = {
    spec.label: spec
    for spec in [
        _spec("ADCO", _digits(12), meaning="meter address (serial)"),
        # BASE, HC.., EJP., and BBRx for Tempo where only "BBR" is meaningful.
        _spec("OPTARIF", r"BASE|HC\.\.|EJP\.|BBR[ -~]", meaning="tariff option"),
        _spec("ISOUSC", _digits(2), "A", "subscribed current"),
        _spec("BASE", _HIST_INDEX, "Wh", "base index"),
        _spec("HCHC", _HIST_INDEX, "Wh", "off-peak index"),
        _spec("HCHP", _HIST_INDEX, "Wh", "peak index"),
        _spec("EJPHN", _HIST_INDEX, "Wh", "EJP normal hours index"),
        _spec("EJPHPM", _HIST_INDEX, "Wh", "EJP mobile-peak hours index"),
        *[
            _spec(f"BBRH{hour}J{colour}", _HIST_INDEX, "Wh", f"Tempo {hour} {colour} index")
            for colour in "BWR"
            for hour in ("C", "P")
        ],
        _spec("PEJP", _digits(2), "min", "EJP start notice"),
        _spec("PTEC", r"TH\.\.|HC\.\.|HP\.\.|HN\.\.|PM\.\.|H[CP]J[BWR]", meaning="current tariff period"),
        _spec("DEMAIN", r"----|BLEU|BLAN|ROUG", meaning="tomorrow's Tempo colour"),
        *[_spec(f"IINST{p}", _digits(3), "A", "current") for p in _PHASE_SUFFIXES],
        _spec("ADPS", _digits(3), "A", "over-subscription warning"),
        *[_spec(f"ADIR{p}", _digits(3), "A", "over-current warning") for p in "123"],
        *[_spec(f"IMAX{p}", _digits(3), "A", "maximum current") for p in _PHASE_SUFFIXES],
        _spec("PMAX", _digits(5), "VA", "max apparent power of the previous day"),
        _spec("PAPP", _digits(5), "VA", "apparent power"),
        _spec("HHPHC", r"[A-Z]", meaning="peak/off-peak schedule group"),
        _spec("MOTDETAT", r"[0-9A-F]{6}", meaning="meter status word"),
        _spec("PPOT", r"[0-9A-F]{2}", meaning="phase presence"),
    ]
}

_STD_INDEX = _digits(9)
_HD = True  # carries a horodate

STANDARD_LABELS: dict[str, LabelSpec] = {
    spec.label: spec
    for spec in [
        _spec("ADSC", _digits(12), meaning="secondary address (serial)"),
        _spec("VTIC", _digits(2), meaning="TIC version"),
        _spec("DATE", "", meaning="meter clock", horodate=_HD),
        _spec("NGTF", _text(16), meaning="supplier calendar name"),
        _spec("LTARF", _text(16), meaning="current supplier tariff label"),
        _spec("EAST", _STD_INDEX, "Wh", "total active energy drawn"),
        *[_spec(f"EASF{i:02d}", _STD_INDEX, "Wh", f"drawn energy, supplier index {i}") for i in range(1, 11)],
        *[_spec(f"EASD{i:02d}", _STD_INDEX, "Wh", f"drawn energy, distributor index {i}") for i in range(1, 5)],
        _spec("EAIT", _STD_INDEX, "Wh", "total active energy injected"),
        *[_spec(f"ERQ{q}", _STD_INDEX, "VArh", f"reactive energy, quadrant {q}") for q in range(1, 5)],
        *[_spec(f"IRMS{p}", _digits(3), "A", f"RMS current, phase {p}") for p in "123"],
        *[_spec(f"URMS{p}", _digits(3), "V", f"RMS voltage, phase {p}") for p in "123"],
        _spec("PREF", _digits(2), "kVA", "reference apparent power"),
        _spec("PCOUP", _digits(2), "kVA", "cut-off apparent power"),
        *[_spec(f"SINSTS{p}", _digits(5), "VA", "apparent power drawn") for p in _PHASE_SUFFIXES],
        *[
            _spec(f"SMAXSN{p}{day}", _digits(5), "VA", "max apparent power drawn", _HD)
            for p in _PHASE_SUFFIXES
            for day in ("", "-1")
        ],
        _spec("SINSTI", _digits(5), "VA", "apparent power injected"),
        *[_spec(f"SMAXIN{day}", _digits(5), "VA", "max apparent power injected", _HD) for day in ("", "-1")],
        *[_spec(f"CCASN{n}", _digits(5), "W", "load-curve point, drawn", _HD) for n in ("", "-1")],
        *[_spec(f"CCAIN{n}", _digits(5), "W", "load-curve point, injected", _HD) for n in ("", "-1")],
        *[_spec(f"UMOY{p}", _digits(3), "V", f"mean voltage, phase {p}", _HD) for p in "123"],
        _spec("STGE", r"[0-9A-F]{8}", meaning="status register"),
        *[_spec(f"{edge}PM{n}", _digits(2), meaning="mobile peak start/end", horodate=_HD) for n in "123" for edge in "DF"],
        _spec("MSG1", _text(32), meaning="short message"),
        _spec("MSG2", _text(16), meaning="ultra-short message"),
        _spec("PRM", _digits(14), meaning="delivery point id"),
        _spec("RELAIS", _digits(3), meaning="relays, decimal bitmask"),
        _spec("NTARF", _digits(2), meaning="current supplier index"),
        _spec("NJOURF", _digits(2), meaning="current day profile"),
        _spec("NJOURF+1", _digits(2), meaning="next day profile"),
        # 11 blocks HHMMSSSS (or NONUTILE) separated by SP.
        _spec("PJOURF+1", r"(?:[0-9A-F]{8}|NONUTILE)(?: (?:[0-9A-F]{8}|NONUTILE)){10}", meaning="next day profile"),
        _spec("PPOINTE", r"(?:[0-9A-F]{8}|NONUTILE)(?: (?:[0-9A-F]{8}|NONUTILE)){10}", meaning="next peak-day profile"),
    ]
}

LABELS: dict[Mode, dict[str, LabelSpec]] = {
    Mode.HISTORIQUE: HISTORIQUE_LABELS,
    Mode.STANDARD: STANDARD_LABELS,
}
