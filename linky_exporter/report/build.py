"""A meter's report from its history: consumption per month (and day), what each contract
would have cost, the Tempo colours and their sources, the headroom and the gaps.

Pure computation on a MeterHistory (history.py); the command fetches the history and the
Tempo colours the meter cannot give, then calls these functions in order:
``ledger_of``, ``meter_tempo_colours`` / ``days_without_colour``, ``meter_report``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from .calendars import Colour
from .contracts import (EJP_PEAK_START_MIN, INDEX_CLASSES, KINDS, NAMES, TimeRules, index_names, kind_of_option,
                        time_classifier)
from .gaps import Gap
from .headroom import Headroom, headroom
from .history import MeterHistory
from .ledger import MEASURED, MISSING, SPREAD, Slot, build_ledger
from .localtime import day_lengths, day_of, midnight, minute_of_day, month_of, tempo_day_of
from .prices import Prices
from .pricing import ContractCost, price_contract, ranked

HOUR = 3600


@dataclass(frozen=True)
class Consumption:
    key: str  # "2025-03" (a month) or "2025-03-14" (a day)
    kwh: dict[int, float]  # supplier index -> kWh drawn
    export_kwh: float
    spread_kwh: float  # of which drawn inside a data gap: the period is certain, not the time in it
    missing: bool  # some of it has no data at all

    @property
    def total_kwh(self) -> float:
        return sum(self.kwh.values())


@dataclass(frozen=True)
class TempoDays:
    colours: dict[date, Colour]  # every Tempo day of the period that has one
    sources: dict[str, int]  # "meter", the calendar file's path, "rte" -> days of the period it coloured
    uncoloured: tuple[date, ...]  # days of the period without a colour from any source


@dataclass
class MeterReport:
    meter: str
    serials: list[str]
    start: int  # the period asked
    end: int
    data_start: int | None  # the measured span within it
    data_end: int | None
    interval: float
    option: str | None  # the meter's tariff option at the end
    contract: str | None  # its contract kind
    index_names: dict[int, str]
    producer: bool
    months: list[Consumption]
    days: list[Consumption] | None
    costs: list[ContractCost]  # ranked: complete cheapest first
    current: ContractCost | None
    not_priced: list[tuple[str, str]]  # (kind, why)
    tempo: TempoDays | None
    ejp_days: list[date] | None
    headroom: Headroom
    gaps: list[Gap]
    slots: list[Slot]
    prices: Prices | None
    notes: list[str] = field(default_factory=list)
    queries: int = 0
    query_seconds: float = 0.0
    fetch_seconds: float = 0.0

    @property
    def total_kwh(self) -> float:
        return sum(m.total_kwh for m in self.months)


def ledger_of(history: MeterHistory) -> tuple[list[Slot], list[str | None]]:
    """The slots, and the meter's own contract during each one."""
    slots = build_ledger(history.edges, history.imported, history.exported, history.gaps)
    options = history.options
    known = sorted(options)
    kinds: list[str | None] = []
    position = 0
    for slot in slots:
        hour_end = slot.start - slot.start % HOUR + HOUR
        option = options.get(hour_end)
        if option is None and known:  # no sample that hour: the last option known before, else the next
            while position + 1 < len(known) and known[position + 1] <= hour_end:
                position += 1
            option = options[known[position]]
        kinds.append(kind_of_option(option))
    return slots, kinds


def meter_tempo_colours(slots: Sequence[Slot], kinds: Sequence[str | None]) -> dict[date, Colour]:
    """Each Tempo day's colour as the meter counted it: the colour whose indexes took most of the
    day's energy, over the measured slots of the days the meter was on Tempo."""
    energy: dict[date, dict[Colour, float]] = defaultdict(lambda: defaultdict(float))
    for slot, kind in zip(slots, kinds):
        if kind != "tempo" or slot.state != MEASURED:
            continue
        for index, wh in slot.wh.items():
            name = INDEX_CLASSES["tempo"].get(index)
            if name and wh > 0:
                energy[tempo_day_of(slot.start)][Colour(name.split("_")[0])] += wh
    return {day: max(by_colour, key=by_colour.get) for day, by_colour in energy.items()}


def meter_ejp_days(slots: Sequence[Slot], kinds: Sequence[str | None]) -> set[date]:
    """Mobile-peak days as the meter counted them: energy on the peak index (2) from 07:00 to
    midnight, when the meter was on EJP (the peak's hour after midnight is the day before's)."""
    return {day_of(slot.start) for slot, kind in zip(slots, kinds)
            if kind == "ejp" and slot.state == MEASURED and slot.wh.get(2, 0) > 0
            and minute_of_day(slot.start) >= EJP_PEAK_START_MIN}


def tempo_days(start: int, end: int) -> list[date]:
    """The Tempo days that overlap [start, end)."""
    first, last = tempo_day_of(start), tempo_day_of(end - 1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def days_without_colour(slots: Sequence[Slot], kinds: Sequence[str | None], colours: Mapping[date, Colour]) -> list[date]:
    """Tempo days with energy to price by time (the meter was not on Tempo) and no colour yet."""
    return sorted({tempo_day_of(s.start) for s, k in zip(slots, kinds)
                   if k != "tempo" and s.state != MISSING and tempo_day_of(s.start) not in colours})


def _consumption(slots: Sequence[Slot], key) -> list[Consumption]:
    groups: dict[str, list[Slot]] = defaultdict(list)
    for slot in slots:
        groups[key(slot.start)].append(slot)
    out = []
    for name, members in sorted(groups.items()):
        kwh: dict[int, float] = defaultdict(float)
        for slot in members:
            for index, wh in slot.wh.items():
                kwh[index] += wh / 1000
        out.append(Consumption(
            name, dict(sorted(kwh.items())), sum(s.export_wh for s in members) / 1000,
            sum(s.total_wh for s in members if s.state == SPREAD) / 1000, any(s.state == MISSING for s in members),
        ))  # fmt: skip
    return out


def meter_report(history: MeterHistory, slots: list[Slot], kinds: list[str | None], rules: TimeRules,
                 prices: Prices | None, *, daily: bool = False, offpeak_given: bool = False) -> MeterReport:
    notes: list[str] = []
    measured = [s for s in slots if s.state != MISSING]
    data_start = measured[0].start if measured else None
    data_end = measured[-1].end if measured else None
    if data_start is not None and (data_start > history.start or data_end < history.end):
        notes.append(f"the store holds this meter's data from {_when(data_start)} to {_when(data_end)} only: "
                     "the figures cover that span")
    option = next((history.options[t] for t in sorted(history.options, reverse=True)), None)
    contract = kind_of_option(option)
    used = {k for k, s in zip(kinds, slots) if s.state != MISSING}
    if len(used) > 1:
        notes.append("the meter's contract changed during the period ("
                     + ", ".join(NAMES.get(k, "unknown") if k else "unknown" for k in sorted(used, key=str))
                     + "): each slot is priced as the meter counted it when it was on the contract priced")
    subscribed = round(history.reference_va / 1000) if history.reference_va else None
    if history.reference_va and history.cutoff_va and history.cutoff_va != history.reference_va:
        notes.append(f"the meter's cut-off power ({history.cutoff_va / 1000:g} kVA) differs from its subscribed power "
                     f"({history.reference_va / 1000:g} kVA): the headroom compares with the cut-off")
    days = day_lengths(data_start, data_end) if data_start is not None else 0.0
    costs: list[ContractCost] = []
    not_priced: list[tuple[str, str]] = []
    if prices is not None:
        notes += _validity(prices, data_start, data_end)
        for kind in KINDS:
            if kind not in prices.contracts:
                continue
            by_index = not (kind == "hc" and offpeak_given)
            cost = price_contract(kind, slots, kinds, time_classifier(kind, rules), prices.contracts[kind],
                                  subscribed, days, by_index)
            if cost is None:
                not_priced.append((kind, _why_not(kind)))
            else:
                if cost.subscription_eur is None:
                    notes.append(f"{prices.source}: {kind} has no subscription price for {subscribed} kVA")
                costs.append(cost)
    current = next((c for c in costs if c.kind == contract), None)
    tempo = None
    if "tempo" in used or (prices and "tempo" in prices.contracts):
        calendar = rules.tempo
        period_days = tempo_days(data_start, data_end) if data_start is not None else []
        tempo = TempoDays({d: calendar.colours[d] for d in period_days if d in calendar.colours},
                          calendar.sources(period_days), tuple(d for d in period_days if d not in calendar.colours))
    ejp = sorted(d for d in rules.ejp_days if data_start is not None and data_start <= midnight(d) < data_end) \
        if rules.ejp_days is not None else None
    current_prices = prices.contracts.get(contract) if prices and contract else None
    room = headroom(history.daily_peaks(), history.minute_peaks, subscribed, history.cutoff_va,
                    current_prices.subscription_per_day if current_prices else None)
    return MeterReport(
        history.meter, history.serials, history.start, history.end, data_start, data_end, history.interval, option,
        contract, {**index_names(contract), **history.index_names}, history.producer,
        _consumption(slots, month_of), _consumption(slots, lambda t: day_of(t).isoformat()) if daily else None,
        ranked(costs), current, not_priced, tempo, ejp, room, history.gaps, slots, prices, notes + history.notes,
        history.queries, history.query_seconds, history.fetch_seconds,
    )  # fmt: skip


def _why_not(kind: str) -> str:
    if kind == "hc":
        return "no off-peak hours: give yours with --offpeak (e.g. 22:00-06:00; the bill or Enedis' customer area shows them)"
    if kind == "ejp":
        return "no EJP days known: the meter is not on EJP; give the days with --ejp.calendar FILE"
    return "cannot be priced"


def _validity(prices: Prices, start: int | None, end: int | None) -> list[str]:
    if start is None:
        return []
    out = []
    first, last = day_of(start), day_of(end - 1)
    label = prices.name or prices.source
    if prices.valid_from and first < prices.valid_from:
        out.append(f"the prices ({label}) apply from {prices.valid_from}: the days before are priced at them anyway")
    if prices.valid_until and last > prices.valid_until:
        out.append(f"the prices ({label}) apply until {prices.valid_until}: the days after are priced at them anyway")
    return out


def _when(ts: int) -> str:
    from .localtime import local

    return local(ts).strftime("%Y-%m-%d %H:%M")
