"""Supplier contracts: which tariff index is running, and what the meter says about it.

For every local instant a contract gives a :class:`TariffState` from which both
modes' groups are written (historique PTEC/DEMAIN/PEJP, standard
LTARF/NTARF/STGE bits), so they cannot disagree. Supplier index numbers follow
``linky_exporter.tic.tariffs`` (docs/protocol.md §6): BASE 1; HC 1 = off-peak,
2 = peak; EJP 1 = normal, 2 = mobile peak; Tempo 1..6 = HCJB, HPJB, HCJW, HPJW,
HCJR, HPJR.

The distributor's calendar (EASD01-04) is the usual four-index TURPE split:
1 off-peak / 2 peak in the high season (November-March), 3 off-peak / 4 peak
the rest of the year, with the household's off-peak hours.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from ..tic.tariffs import DEMAIN_TEMPO, HISTORIQUE_OPTIONS
from .calendars import RED, TEMPO_CODES, WHITE, EjpCalendar, TempoCalendar
from .clock import LocalTime

H = 3600
TEMPO_OFFPEAK = ((22 * H, 6 * H),)
TEMPO_DAY_START = 6 * H  # a Tempo day runs 06:00 - 06:00
TEMPO_ANNOUNCE = 20 * H  # tomorrow's colour is known from 20:00 the day before
EJP_PEAK_START, EJP_PEAK_END = 7 * H, 1 * H  # 07:00 - 01:00 the next day
EJP_NOTICE_S = 30 * 60
#: Historique DEMAIN text for each Tempo colour code (0: not announced).
DEMAIN = {TEMPO_CODES[colour]: text for text, colour in DEMAIN_TEMPO.items()}
_COLOUR_LETTER = {1: "B", 2: "W", 3: "R"}
_COLOUR_NAME = {1: "BLEU", 2: "BLANC", 3: "ROUGE"}


class TariffState(NamedTuple):
    supplier_index: int  # 1..10
    distributor_index: int  # 1..4
    ptec: str  # historique current period
    ltarf: str  # standard current tariff label (16 characters)
    offpeak: bool  # distributor off-peak hours: relay 1 closed, water heater allowed
    tempo_today: int = 0  # STGE code: 0 none, 1 blue, 2 white, 3 red
    tempo_tomorrow: int = 0  # 0 not announced
    ejp_notice: bool = False  # historique PEJP; STGE mobile-peak notice 1
    ejp_peak: bool = False  # historique PTEC PM..; STGE mobile peak 1 in progress


def in_ranges(second: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    """True if a second of the day falls in one of ``ranges`` (which may wrap midnight)."""
    second %= 86400
    for start, end in ranges:
        if (start <= second < end) if start < end else (second >= start or second < end):
            return True
    return False


def _index_labels(optarif: str) -> tuple[str, ...]:
    """Historique index labels of a tariff option, in supplier index order (the order meters send)."""
    _, indexes = HISTORIQUE_OPTIONS[optarif[:3]]
    return tuple(sorted(indexes, key=lambda label: indexes[label].number))


def distributor_index(day: date, offpeak: bool) -> int:
    high_season = day.month >= 11 or day.month <= 3
    return (1 if offpeak else 2) + (0 if high_season else 2)


class Contract:
    """Base class: BASE. Subclasses override the index logic."""

    name = "BASE"
    optarif = "BASE"  # historique OPTARIF
    ngtf = "BASE"
    #: historique index label for each supplier index, in emission order
    historique_indexes: tuple[str, ...] = _index_labels("BASE")
    #: LTARF text for each supplier index
    index_names: dict[int, str] = {1: "BASE"}

    def __init__(self, offpeak: tuple[tuple[int, int], ...]):
        self.offpeak = offpeak

    def state(self, now: LocalTime) -> TariffState:
        offpeak = in_ranges(now.second, self.offpeak)
        return TariffState(1, distributor_index(now.day, offpeak), "TH..", "BASE".center(16), offpeak)

    def _state(self, now: LocalTime, index: int, ptec: str, offpeak: bool, **extra) -> TariffState:
        return TariffState(
            index, distributor_index(now.day, offpeak), ptec, self.index_names[index].center(16), offpeak, **extra
        )


class HcContract(Contract):
    name = "HC"
    optarif = "HC.."
    ngtf = "HEURES CREUSES"
    historique_indexes = _index_labels(optarif)
    index_names = {1: "HEURE  CREUSE", 2: "HEURE  PLEINE"}

    def state(self, now: LocalTime) -> TariffState:
        offpeak = in_ranges(now.second, self.offpeak)
        return self._state(now, 1 if offpeak else 2, "HC.." if offpeak else "HP..", offpeak)


class EjpContract(Contract):
    name = "EJP"
    optarif = "EJP."
    ngtf = "EJP"
    historique_indexes = _index_labels(optarif)
    index_names = {1: "HEURE  NORMALE", 2: "POINTE  MOBILE"}

    def __init__(self, offpeak: tuple[tuple[int, int], ...], calendar: EjpCalendar):
        super().__init__(offpeak)
        self.calendar = calendar

    def state(self, now: LocalTime) -> TariffState:
        today = self.calendar.is_peak_day(now.day)
        peak = (today and now.second >= EJP_PEAK_START) or (
            now.second < EJP_PEAK_END and self.calendar.is_peak_day(now.day - timedelta(days=1))
        )
        notice = today and EJP_PEAK_START - EJP_NOTICE_S <= now.second < EJP_PEAK_START
        offpeak = in_ranges(now.second, self.offpeak)
        return self._state(now, 2 if peak else 1, "PM.." if peak else "HN..", offpeak, ejp_notice=notice, ejp_peak=peak)


class TempoContract(Contract):
    name = "TEMPO"
    optarif = "BBR("
    ngtf = "TEMPO"
    historique_indexes = _index_labels(optarif)
    index_names = {
        2 * (colour - 1) + hour: f"{'HC' if hour == 1 else 'HP'}  {_COLOUR_NAME[colour]}"
        for colour in (1, 2, 3)
        for hour in (1, 2)
    }

    def __init__(self, calendar: TempoCalendar):
        super().__init__(TEMPO_OFFPEAK)
        self.calendar = calendar

    def tempo_day(self, now: LocalTime) -> date:
        return now.day if now.second >= TEMPO_DAY_START else now.day - timedelta(days=1)

    def state(self, now: LocalTime) -> TariffState:
        day = self.tempo_day(now)
        colour = self.calendar.colour(day)
        announced = now.day != day or now.second >= TEMPO_ANNOUNCE
        tomorrow = self.calendar.colour(day + timedelta(days=1)) if announced else 0
        offpeak = in_ranges(now.second, TEMPO_OFFPEAK)
        index = 2 * (colour - 1) + (1 if offpeak else 2)
        ptec = f"H{'C' if offpeak else 'P'}J{_COLOUR_LETTER[colour]}"
        return self._state(now, index, ptec, offpeak, tempo_today=colour, tempo_tomorrow=tomorrow)


def make_contract(name: str, offpeak, seed: int, forced_red: date | None = None, forced_ejp: date | None = None):
    if name == "base":
        return Contract(offpeak)
    if name == "hc":
        return HcContract(offpeak)
    if name == "ejp":
        return EjpContract(offpeak, EjpCalendar(seed, forced_ejp))
    if name == "tempo":
        return TempoContract(TempoCalendar(seed, forced_red))
    raise ValueError(f"contract: unknown contract {name!r}")


__all__ = ["Contract", "DEMAIN", "RED", "TariffState", "WHITE", "in_ranges", "make_contract"]
