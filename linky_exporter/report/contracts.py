"""The contracts the report compares, their price classes, and which class a kWh falls in.

A kWh is classed in one of two ways:

* **by the meter's index**, when the meter was on that very contract: each supplier
  index counts only while its period runs (docs/metrics.md), so the meter itself
  tells HC from HP, a red day from a blue one, a mobile peak from a normal hour, to
  the Wh and whatever its schedule;
* **by time**, for any other contract: the class of the instant under that contract's
  rules (an off-peak schedule, the Tempo colour of the day, the EJP days).

Supplier index numbers are EDF's (linky_exporter/tic/tariffs.py): HC 1 = off-peak,
2 = peak; EJP 1 = normal, 2 = mobile peak; Tempo 1..6 = HC/HP blue, white, red.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import date, timedelta

from ..tic.tariffs import HISTORIQUE_OPTIONS
from .calendars import TempoCalendar
from .localtime import day_of, minute_of_day, tempo_day_of
from .schedules import Schedule, parse_schedule

KINDS = ("base", "hc", "tempo", "ejp")
NAMES = {"base": "Base", "hc": "Heures Creuses", "tempo": "Tempo", "ejp": "EJP"}
CLASSES = {
    "base": ("base",),
    "hc": ("hc", "hp"),
    "tempo": ("blue_hc", "blue_hp", "white_hc", "white_hp", "red_hc", "red_hp"),
    "ejp": ("normal", "peak"),
}
INDEX_CLASSES: dict[str, dict[int, str]] = {
    "base": dict.fromkeys(range(1, 11), "base"),
    "hc": {1: "hc", 2: "hp"},
    "tempo": dict(enumerate(CLASSES["tempo"], start=1)),
    "ejp": {1: "normal", 2: "peak"},
}
TEMPO_OFFPEAK = "22:00-06:00"
EJP_PEAK_START_MIN, EJP_PEAK_END_MIN = 7 * 60, 1 * 60  # 07:00 to 01:00 the next day


def index_names(kind: str | None) -> dict[int, str]:
    """The names of a contract's supplier indexes as EDF's meters give them (historique's), for
    indexes whose name the store does not hold (standard mode learns a name from LTARF only
    while the index runs)."""
    option = {"base": "BAS", "hc": "HC.", "ejp": "EJP", "tempo": "BBR"}.get(kind or "")
    if option is None:
        return {}
    return {index.number: index.name for index in HISTORIQUE_OPTIONS[option][1].values()}


def kind_of_option(option: str | None) -> str | None:
    """The contract of a meter's tariff option (linky_meter_info's tariff_option: historique's
    option, standard's NGTF such as ``TEMPO`` or ``HC et Week-End``); None when unknown."""
    text = (option or "").upper()
    if "TEMPO" in text or "BBR" in text:
        return "tempo"
    if "EJP" in text:
        return "ejp"
    if "HC" in text or "CREUSE" in text:
        return "hc"
    if "BASE" in text:
        return "base"
    return None


@dataclass(frozen=True)
class TimeRules:
    """What a contract needs to class an instant by time."""

    offpeak: Schedule | None = None  # HC: the off-peak hours (None: not given)
    tempo_offpeak: Schedule = parse_schedule(TEMPO_OFFPEAK)
    tempo: TempoCalendar = TempoCalendar()
    ejp_days: Set[date] | None = None  # None: no EJP calendar known


def time_classifier(kind: str, rules: TimeRules) -> Callable[[int], str | None] | None:
    """class_at(unix seconds) for ``kind``, returning None where the class cannot be known (a
    day without a Tempo colour); None when the contract cannot be classed by time at all."""
    if kind == "base":
        return lambda ts: "base"
    if kind == "hc":
        schedule = rules.offpeak
        if schedule is None:
            return None
        return lambda ts: "hc" if minute_of_day(ts) in schedule else "hp"
    if kind == "tempo":
        offpeak, calendar = rules.tempo_offpeak, rules.tempo

        def tempo(ts: int) -> str | None:
            colour = calendar.colour(tempo_day_of(ts))
            if colour is None:
                return None
            return f"{colour.value}_{'hc' if minute_of_day(ts) in offpeak else 'hp'}"

        return tempo
    if kind == "ejp":
        days = rules.ejp_days
        if days is None:
            return None

        def ejp(ts: int) -> str:
            minute, day = minute_of_day(ts), day_of(ts)
            peak = (day in days and minute >= EJP_PEAK_START_MIN) or (
                minute < EJP_PEAK_END_MIN and day - timedelta(days=1) in days
            )
            return "peak" if peak else "normal"

        return ejp
    raise ValueError(f"unknown contract {kind!r}")


def edges(rules: TimeRules) -> frozenset[int]:
    """Minutes of the day at which some contract's class may change (the ledger splits there)."""
    found = {0, 30, EJP_PEAK_START_MIN, EJP_PEAK_END_MIN, 6 * 60}
    found |= rules.tempo_offpeak.edges
    if rules.offpeak is not None:
        found |= rules.offpeak.edges
    return frozenset(found)
