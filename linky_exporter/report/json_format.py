"""``--format json``: the whole report as one JSON document, for scripts.

Energies in kWh and money in euros as full-precision numbers (the text rounds them);
instants as ISO 8601 local times with their offset, days as YYYY-MM-DD.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .build import Consumption, MeterReport
from .localtime import isoformat
from .pricing import ContractCost


def _consumption(rows: Sequence[Consumption], names: dict[int, str]) -> list[dict[str, Any]]:
    return [{
        "period": row.key,
        "kwh": row.total_kwh,
        "by_index": {str(index): {"name": names.get(index, ""), "kwh": kwh} for index, kwh in row.kwh.items()},
        "exported_kwh": row.export_kwh,
        "in_gaps_kwh": row.spread_kwh,
        "incomplete": row.missing,
    } for row in rows]  # fmt: skip


def _cost(cost: ContractCost, current: ContractCost | None) -> dict[str, Any]:
    saving = None
    if current is not None and current.total_eur is not None and cost.total_eur is not None:
        saving = current.total_eur - cost.total_eur
    return {
        "contract": cost.kind,
        "name": cost.name,
        "total_eur": cost.total_eur,
        "energy_eur": cost.energy_eur,
        "subscription_eur": cost.subscription_eur,
        "subscription_kva": cost.subscription_kva,
        "subscription_days": cost.days,
        "kwh_by_class": cost.kwh,
        "complete": cost.complete,
        "saving_vs_current_eur": saving,
        "classed_by_meter_index_kwh": cost.by_index_kwh,
        "classed_by_time_in_gaps_kwh": cost.spread_kwh,
        "unpriced_kwh": cost.unpriced_kwh,
        "unpriced_days": [d.isoformat() for d in cost.unpriced_days],
    }


def meter_document(report: MeterReport) -> dict[str, Any]:
    room = report.headroom
    prices = report.prices
    return {
        "meter": report.meter,
        "serials": report.serials,
        "period": {"from": isoformat(report.start), "to": isoformat(report.end)},
        "data": {"from": isoformat(report.data_start) if report.data_start else None,
                 "to": isoformat(report.data_end) if report.data_end else None,
                 "scrape_interval_s": report.interval},
        "tariff_option": report.option,
        "contract": report.contract,
        "producer": report.producer,
        "kwh": report.total_kwh,
        "months": _consumption(report.months, report.index_names),
        "days": _consumption(report.days, report.index_names) if report.days is not None else None,
        "prices": None if prices is None else {"file": prices.source, "name": prices.name,
                                                "valid_from": prices.valid_from.isoformat() if prices.valid_from else None,
                                                "valid_until": prices.valid_until.isoformat() if prices.valid_until else None},
        "costs": [_cost(c, report.current) for c in report.costs],
        "current_contract_eur": report.current.total_eur if report.current else None,
        "not_priced": [{"contract": kind, "why": why} for kind, why in report.not_priced],
        "tempo": None if report.tempo is None else {
            "colours": {d.isoformat(): c.value for d, c in sorted(report.tempo.colours.items())},
            "days": {colour: sum(1 for c in report.tempo.colours.values() if c.value == colour)
                     for colour in ("blue", "white", "red")},
            "sources": report.tempo.sources,
            "days_without_colour": [d.isoformat() for d in report.tempo.uncoloured],
        },
        "ejp_days": None if report.ejp_days is None else [d.isoformat() for d in report.ejp_days],
        "headroom": {
            "subscribed_kva": room.subscribed_kva,
            "cutoff_va": room.cutoff_va,
            "days": room.days,
            "peak_va": room.peak_va,
            "peak_day": room.peak_day.isoformat() if room.peak_day else None,
            "median_daily_peak_va": room.median_peak_va,
            "p90_daily_peak_va": room.p90_peak_va,
            "daily_peak_bands": dict(room.bands),
            "powers": [{"kva": row.kva, "days_above": row.days_above, "minutes_above": row.minutes_above,
                        "subscription_per_year_eur": row.subscription_per_year} for row in room.powers],
            "smallest_safe_kva": room.smallest_safe_kva,
            "yearly_saving_eur": room.yearly_saving,
        },
        "gaps": [{"from": isoformat(g.start), "to": isoformat(g.end), "seconds": g.seconds,
                  "kwh": None if g.energy_wh is None else g.energy_wh / 1000} for g in report.gaps],
        "notes": report.notes,
        "store": {"queries": report.queries, "answer_seconds": report.query_seconds,
                  "fetch_seconds": report.fetch_seconds},
    }


def render(reports: Sequence[MeterReport], extra: dict[str, Any] | None = None) -> str:
    return json.dumps({"meters": [meter_document(r) for r in reports], **(extra or {})}, indent=1) + "\n"
