"""``--format text`` (the default): the report as readable tables, rounded for reading
(kWh to 0.1 or 0.01, euros to the cent); ``--format json`` has the full precision."""

from __future__ import annotations

from collections.abc import Sequence

from .build import Consumption, MeterReport
from .contracts import NAMES
from .localtime import local


def _when(ts: int | None) -> str:
    return "-" if ts is None else local(ts).strftime("%Y-%m-%d %H:%M")


def _length(seconds: float) -> str:
    minutes = round(seconds / 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    return (f"{days} d " if days else "") + (f"{hours} h " if hours or days else "") + f"{minutes} min"


def _interval(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: int = 1) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    out = []
    for row in [header, *rows]:
        cells = [str(c).ljust(w) if i < right else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def _consumption(title: str, rows: Sequence[Consumption], report: MeterReport) -> list[str]:
    indexes = sorted({i for row in rows for i, kwh in row.kwh.items() if kwh > 0})
    header = [title, *(report.index_names.get(i) or f"index {i}" for i in indexes), "total"]
    if report.producer:
        header.append("exported")
    body = []
    for row in rows:
        cells = [row.key + (" *" if row.missing else ""), *(f"{row.kwh.get(i, 0):.1f}" for i in indexes),
                 f"{row.total_kwh:.1f}"]
        if report.producer:
            cells.append(f"{row.export_kwh:.1f}")
        body.append(cells)
    total = ["total", *(f"{sum(r.kwh.get(i, 0) for r in rows):.1f}" for i in indexes), f"{sum(r.total_kwh for r in rows):.1f}"]
    if report.producer:
        total.append(f"{sum(r.export_kwh for r in rows):.1f}")
    lines = _table(header, [*body, total])
    if any(r.missing for r in rows):
        lines.append("  * part of it has no data in the store")
    spread = sum(r.spread_kwh for r in rows)
    if spread:
        lines.append(f"  {spread:.2f} kWh were drawn during data gaps: counted in full, spread evenly over each gap's time")
    return lines


def meter_text(report: MeterReport) -> str:
    lines = []
    contract = NAMES.get(report.contract, "unknown contract") if report.contract else "unknown contract"
    power = f", {report.headroom.subscribed_kva} kVA" if report.headroom.subscribed_kva else ""
    serial = f" (serial {', '.join(report.serials)})" if report.serials else ""
    lines.append(f"Meter {report.meter}{serial}: {contract} ({report.option or '?'}){power}")
    lines.append(f"Period {_when(report.start)} to {_when(report.end)}; data {_when(report.data_start)} to "
                 f"{_when(report.data_end)}, a sample every {_interval(report.interval)}")
    lines += ["", "Consumption per month (kWh)", *_consumption("month", report.months, report)]
    if report.days is not None:
        lines += ["", "Consumption per day (kWh)", *_consumption("day", report.days, report)]
    lines += ["", *_costs(report)]
    if report.tempo is not None:
        lines += ["", *_tempo(report)]
    if report.ejp_days is not None:
        lines += ["", f"EJP days: {len(report.ejp_days)}" + (": " + ", ".join(d.isoformat() for d in report.ejp_days)
                                                          if report.ejp_days else "")]
    lines += ["", *_headroom(report), "", *_gaps(report)]
    if report.notes:
        lines += ["", "Notes", *(f"  - {note}" for note in report.notes)]
    return "\n".join(lines) + "\n"


def _costs(report: MeterReport) -> list[str]:
    prices = report.prices
    if prices is None:
        return ["Cost: no prices given (--prices FILE, see docs/report.md)"]
    days = report.costs[0].days if report.costs else 0
    lines = [f"Cost over {days:.2f} days at the prices of {prices.name or prices.source}, cheapest first"]
    current = report.current
    rows = []
    for rank, cost in enumerate(report.costs, start=1):
        mine = " (yours)" if cost.kind == report.contract else ""
        total = "?" if cost.total_eur is None else f"{cost.total_eur:.2f}"
        if not cost.complete:
            total += " (incomplete)"
        saving = ""
        if current and current.total_eur is not None and cost.total_eur is not None and cost is not current:
            difference = current.total_eur - cost.total_eur
            saving = f"{difference:+.2f}"
        sub = "?" if cost.subscription_eur is None else f"{cost.subscription_eur:.2f}"
        rows.append([f"{rank}. {cost.name}{mine}", total, f"{cost.energy_eur:.2f}", sub, saving])
    lines += _table(["contract", "total EUR", "energy EUR", "subscription EUR", "saving vs yours"], rows)
    for cost in report.costs:
        if cost.unpriced_kwh:
            lines.append(f"  {cost.name}: {cost.unpriced_kwh:.2f} kWh on {len(cost.unpriced_days)} day(s) without a "
                         "Tempo colour are not priced")
        if cost.spread_kwh:
            lines.append(f"  {cost.name}: {cost.spread_kwh:.2f} kWh drawn during data gaps are priced as if drawn evenly")
    for kind, why in report.not_priced:
        lines.append(f"  {NAMES[kind]}: not priced: {why}")
    if report.contract and current is None:
        lines.append(f"  your contract ({NAMES[report.contract]}) has no prices in {prices.source}: no saving computed")
    return lines


def _tempo(report: MeterReport) -> list[str]:
    tempo = report.tempo
    counts = {colour: sum(1 for c in tempo.colours.values() if c.value == colour) for colour in ("blue", "white", "red")}
    sources = ", ".join(f"{name} {days}" for name, days in tempo.sources.items()) or "none"
    lines = [f"Tempo days: {counts['blue']} blue, {counts['white']} white, {counts['red']} red (from: {sources})"]
    reds = sorted(d for d, c in tempo.colours.items() if c.value == "red")
    if reds:
        lines.append("  red: " + ", ".join(d.isoformat() for d in reds))
    if tempo.uncoloured:
        lines.append(f"  without a colour ({len(tempo.uncoloured)} days, never guessed): "
                     + ", ".join(d.isoformat() for d in tempo.uncoloured[:10]) + (" ..." if len(tempo.uncoloured) > 10 else ""))
    return lines


def _headroom(report: MeterReport) -> list[str]:
    room = report.headroom
    if room.days == 0:
        return ["Subscribed power headroom: no apparent power in the store"]
    cutoff = f", cut-off {room.cutoff_va / 1000:g} kVA" if room.cutoff_va else ""
    lines = [f"Subscribed power headroom ({room.subscribed_kva or '?'} kVA{cutoff}), {room.days} days",
             f"  daily peak: highest {room.peak_va / 1000:.2f} kVA on {room.peak_day}, median {room.median_peak_va / 1000:.2f}, "
             f"90 % of days under {room.p90_peak_va / 1000:.2f}"]
    if room.bands:
        lines.append("  days by peak / subscribed power: " + ", ".join(f"{name}: {days}" for name, days in room.bands))
    rows = [[f"{row.kva} kVA", str(row.days_above), str(row.minutes_above),
             "?" if row.subscription_per_year is None else f"{row.subscription_per_year:.2f}"] for row in room.powers]
    lines += _table(["power", "days above", "minutes above", "subscription EUR/year"], rows)
    if room.smallest_safe_kva is None:
        lines.append("  no standard power up to 36 kVA would have held")
    else:
        saving = ""
        if room.yearly_saving is not None and room.smallest_safe_kva != room.subscribed_kva:
            saving = f": {abs(room.yearly_saving):.2f} EUR a year {'less' if room.yearly_saving >= 0 else 'more'}"
        elif room.subscribed_kva and room.smallest_safe_kva > room.subscribed_kva:
            saving = f", above yours: {room.subscribed_kva} kVA was exceeded on {room.powers[-1].days_above} day(s)"
        lines.append(f"  smallest standard power never exceeded: {room.smallest_safe_kva} kVA{saving}")
    return lines


def _gaps(report: MeterReport) -> list[str]:
    if not report.gaps:
        return ["Data gaps: none"]
    rows = [[_when(g.start), _when(g.end), _length(g.seconds), "?" if g.energy_wh is None else f"{g.energy_wh / 1000:.3f}"]
            for g in report.gaps]
    return [f"Data gaps: {len(report.gaps)} (the energy across each is counted from the registers)",
            *_table(["from", "to", "length", "kWh"], rows, right=3)]


def render(reports: Sequence[MeterReport]) -> str:
    return "\n".join(meter_text(r) for r in reports)
