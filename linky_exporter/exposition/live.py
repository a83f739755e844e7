"""The live page's data: one small JSON document about every meter, from what /metrics says.

Every value "now" is taken from the same samples the collector turns into
/metrics (``collector.meter_samples``), so the page cannot disagree with
Prometheus; a value the meter did not send (or that went stale) is null, never
guessed. What /metrics does not hold comes from the meter's state: energy since
local midnight (meter/today.py) and the last 24 hours of power, one point a
minute (meter/history.py). docs/live.md describes every field.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..meter import MeterState, Snapshot
from ..metrics import catalogue as m
from ..metrics.samples import SampleKey
from .collector import meter_samples

if TYPE_CHECKING:
    from ..config.settings import Prices

_J_PER_WH = 3600.0
#: EDF counts a subscription's current at 200 V a phase (ISOUSC x 200 V = the power).
_VOLTS_PER_PHASE = 200.0


def live_document(
    meters: Sequence[MeterState], prices: Mapping[str, Prices] | None = None, now: float | None = None
) -> dict[str, Any]:
    now = time.time() if now is None else now
    prices = prices or {}
    return {
        "version": __version__,
        "generated_at": round(now, 3),
        "meters": [_meter(meter, prices.get(meter.meter), now) for meter in meters],
    }


def _meter(meter: MeterState, prices: Prices | None, now: float) -> dict[str, Any]:
    snap = meter.snapshot
    samples = meter_samples(snap, now, prices)
    value = _Values(samples)
    phases = _int(snap.identity.get("phases"))
    return {
        "meter": snap.meter,
        "simulated": snap.simulated,
        "up": snap.up(now),
        "mode": snap.identity.get("mode"),
        "serial": snap.identity.get("serial"),
        "tariff_option": snap.identity.get("tariff_option"),
        "phases": phases,
        "producer": snap.identity.get("producer") == "true" if "producer" in snap.identity else None,
        "last_frame_age_s": None if snap.last_frame_at is None else round(now - snap.last_frame_at, 1),
        "source": {
            "connected": snap.connected,
            "reconnects": snap.reconnects,
            "valid_frames": snap.valid_frames,
            "group_errors": snap.group_errors,
        },
        "power": {direction: _direction(value, direction) for direction in ("import", "export")},
        "phase": _phases(value, phases),
        "subscription": _subscription(value, phases),
        "tariff": _tariff(value, snap),
        "today": _today(snap, prices),
        "history": meter.history.points(now),
    }


class _Values:
    """The meter's samples by metric name and label values (without the meter label)."""

    def __init__(self, samples: dict[SampleKey, float]):
        self.samples = samples

    def __call__(self, spec: m.MetricSpec, *labels: str) -> float | None:
        return self.samples.get((spec.name, labels))

    def labelled(self, spec: m.MetricSpec) -> dict[tuple[str, ...], float]:
        return {labels: v for (name, labels), v in self.samples.items() if name == spec.name}

    def state(self, spec: m.MetricSpec, *labels: str) -> str | None:
        """The state set to 1 of a stateset, None when the meter does not send it."""
        width = len(labels)
        for (name, key), v in self.samples.items():
            if name == spec.name and key[:width] == labels and v == 1.0:
                return key[width]
        return None


def _direction(value: _Values, direction: str) -> dict[str, float | None] | None:
    va = value(m.APPARENT_POWER_VOLT_AMPERES, direction)
    watts = value(m.ACTIVE_POWER_WATTS, direction)
    if va is None and watts is None:
        return None
    return {"va": va, "w": watts, "power_factor": value(m.POWER_FACTOR_RATIO, direction)}


def _phases(value: _Values, phases: int | None) -> list[dict[str, Any]]:
    numbers = sorted({int(labels[0]) for labels in value.labelled(m.CURRENT_AMPERES)}
                     | {int(labels[0]) for labels in value.labelled(m.VOLTAGE_VOLTS)})
    return [
        {
            "phase": n,
            "current_a": value(m.CURRENT_AMPERES, str(n)),
            "voltage_v": value(m.VOLTAGE_VOLTS, str(n)),
            "va": value(m.PHASE_APPARENT_POWER_VOLT_AMPERES, str(n)),
        }
        for n in numbers
        if phases is None or n <= phases
    ]


def _subscription(value: _Values, phases: int | None) -> dict[str, Any]:
    reference = value(m.REFERENCE_POWER_VOLT_AMPERES)
    drawn = value(m.APPARENT_POWER_VOLT_AMPERES, "import")
    exceeded = value(m.REFERENCE_POWER_EXCEEDED)
    return {
        "reference_va": reference,
        "cutoff_va": value(m.CUTOFF_POWER_VOLT_AMPERES),
        "current_a_per_phase": None if reference is None or not phases else round(reference / phases / _VOLTS_PER_PHASE, 1),
        "headroom_va": None if reference is None or drawn is None else reference - drawn,
        "exceeded": None if exceeded is None else exceeded == 1.0,
        "breaker": value.state(m.BREAKER_STATE),
    }


def _tariff(value: _Values, snap: Snapshot) -> dict[str, Any]:
    index = value(m.TARIFF_CURRENT_INDEX, "supplier")
    number = None if index is None else int(index)
    notice = value(m.MOBILE_PEAK_NOTICE)
    active = value(m.MOBILE_PEAK_ACTIVE)
    return {
        "index": number,
        "name": None if number is None else snap.tariff_names.get(("supplier", str(number))),
        "tempo_today": value.state(m.TEMPO_COLOR, "today"),
        "tempo_tomorrow": value.state(m.TEMPO_COLOR, "tomorrow"),
        "mobile_peak_notice": None if notice is None else int(notice),
        "mobile_peak_active": None if active is None else int(active),
    }


def _today(snap: Snapshot, prices: Prices | None) -> dict[str, Any]:
    today = snap.today
    by_index = []
    imported = exported = None
    for (name, labels), joules in sorted(today.energy.items()):
        wh = round(joules / _J_PER_WH, 3)
        if name == m.ENERGY_IMPORTED_BY_INDEX_JOULES_TOTAL.name and labels[1] == "supplier":
            index = int(labels[2])
            price = None if prices is None else prices.per_kwh.get(index)
            by_index.append({
                "index": index,
                "name": snap.tariff_names.get(("supplier", labels[2])),
                "wh": wh,
                "euros": None if price is None else round(wh / 1000 * price, 4),
            })
        elif name == m.ENERGY_IMPORTED_JOULES_TOTAL.name:
            imported = wh
        elif name == m.ENERGY_EXPORTED_JOULES_TOTAL.name:
            exported = wh
    by_index.sort(key=lambda row: row["index"])
    subscription = None if prices is None else prices.subscription_per_day
    # An index without a price counts only if energy went through it today.
    priced = prices is not None and bool(by_index) and all(row["euros"] is not None or row["wh"] == 0 for row in by_index)
    energy_euros = [row["euros"] or 0.0 for row in by_index]
    return {
        "day": today.day or None,
        "since": today.since,
        "complete": today.complete,
        "imported_wh": imported,
        "exported_wh": exported,
        "by_index": by_index,
        "subscription_euros": subscription,
        # Every index that counted energy today has a price: the day's cost, subscription included when known.
        "euros": round(sum(energy_euros) + (subscription or 0.0), 4) if priced else None,
    }


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None
