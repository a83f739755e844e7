"""Standard mode: a frame's accepted groups into a :class:`~.reading.Reading` (docs/protocol.md §6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .group_values import EXPORT, IMPORT, TODAY, YESTERDAY, GroupValues, read_address
from .stge import decode_relais, decode_stge
from .tariffs import tidy_text

if TYPE_CHECKING:
    from .reading import Reading


def read_standard(values: GroupValues, reading: Reading) -> None:
    read_address(values, "ADSC", reading)
    reading.tic_version = values.text("VTIC")
    ngtf = values.text("NGTF")
    if ngtf is not None:
        reading.tariff_option = tidy_text(ngtf)
    date = values.horodate("DATE")
    if date is not None:
        reading.meter_time = date.when
        reading.clock_degraded = date.clock_degraded
    _energy(values, reading)
    _per_phase(values, reading)
    _per_direction(values, reading)
    pref = values.int("PREF")
    if pref is not None:
        reading.reference_power_va = pref * 1000
    pcoup = values.int("PCOUP")
    if pcoup is not None:
        reading.cutoff_power_va = pcoup * 1000
    _status(values, reading)
    _current_index(values, reading)
    relays = values.convert("RELAIS", decode_relais)
    if relays is not None:
        reading.relays = relays


# The labels, spelt once (formatting 50 labels a frame was a tenth of its reading).
_SUPPLIER_INDEXES = tuple((i, f"EASF{i:02d}") for i in range(1, 11))
_DISTRIBUTOR_INDEXES = tuple((i, f"EASD{i:02d}") for i in range(1, 5))
_REACTIVE_QUADRANTS = tuple((quadrant, f"ERQ{quadrant}") for quadrant in range(1, 5))
_PHASES = tuple(
    (phase, (f"IRMS{phase}", f"URMS{phase}", f"SINSTS{phase}"), f"UMOY{phase}",
     ((TODAY, f"SMAXSN{phase}"), (YESTERDAY, f"SMAXSN{phase}-1")))
    for phase in (1, 2, 3)
)
_DIRECTIONS = tuple(
    (direction, f"SINST{letter}", ((TODAY, f"SMAX{letter}N"), (YESTERDAY, f"SMAX{letter}N-1")),
     (("n", f"CCA{letter}N"), ("n-1", f"CCA{letter}N-1")))
    for direction, letter in ((IMPORT, "S"), (EXPORT, "I"))
)


def _energy(values: GroupValues, reading: Reading) -> None:
    reading.energy_imported_wh = values.int("EAST")
    for i, label in _SUPPLIER_INDEXES:
        wh = values.int(label)
        if wh is not None:
            reading.supplier_energy_wh[i] = wh
    for i, label in _DISTRIBUTOR_INDEXES:
        wh = values.int(label)
        if wh is not None:
            reading.distributor_energy_wh[i] = wh
    reading.energy_exported_wh = values.int("EAIT")
    for quadrant, label in _REACTIVE_QUADRANTS:
        varh = values.int(label)
        if varh is not None:
            reading.reactive_energy_varh[quadrant] = varh


def _per_phase(values: GroupValues, reading: Reading) -> None:
    targets = (reading.current_a, reading.voltage_v, reading.phase_apparent_power_va)
    for phase, labels, mean_label, maxima in _PHASES:
        for target, label in zip(targets, labels):
            number = values.int(label)
            if number is not None:
                target[phase] = number
        mean = values.int(mean_label)
        if mean is not None:
            reading.voltage_mean_v[phase] = mean
        for day, label in maxima:
            smax = values.int(label)
            if smax is not None:
                reading.phase_apparent_power_max_va[(phase, day)] = smax
    if reading.current_a or reading.voltage_v:
        reading.phases = 3 if any(p > 1 for p in (*reading.current_a, *reading.voltage_v)) else 1


def _per_direction(values: GroupValues, reading: Reading) -> None:
    for direction, power_label, maxima, curve_points in _DIRECTIONS:
        power = values.int(power_label)
        if power is not None:
            reading.apparent_power_va[direction] = power
        for day, label in maxima:
            smax = values.int(label)
            if smax is not None:
                reading.apparent_power_max_va[(direction, day)] = smax
        for point, label in curve_points:
            curve = values.int(label)
            if curve is not None:
                reading.load_curve_w[(direction, point)] = curve


def _status(values: GroupValues, reading: Reading) -> None:
    status = values.convert("STGE", decode_stge)
    if status is not None:
        reading.status = status
        reading.producer = status.producer
        reading.current_supplier_index = status.supplier_index
        reading.current_distributor_index = status.distributor_index
        reading.tempo_today = status.tempo_today
        reading.tempo_tomorrow = status.tempo_tomorrow
        reading.mobile_peak_notice = status.mobile_peak_notice
        reading.mobile_peak_active = status.mobile_peak_active
        reading.reference_power_exceeded = status.reference_power_exceeded
        if reading.clock_degraded is None:
            reading.clock_degraded = status.clock_degraded
        else:
            reading.clock_degraded = reading.clock_degraded or status.clock_degraded
    if "EAIT" in values or "SINSTI" in values:
        reading.producer = True


def _current_index(values: GroupValues, reading: Reading) -> None:
    ntarf = values.int("NTARF", low=1, high=10)
    if ntarf is None:
        return
    if reading.current_supplier_index is not None and reading.current_supplier_index != ntarf:
        # STGE and NTARF disagree: one of them is corrupted; trust neither.
        values.reject("NTARF")
        reading.current_supplier_index = None
        return
    reading.current_supplier_index = ntarf
    ltarf = values.text("LTARF")
    if ltarf is not None and ltarf.strip():
        reading.supplier_index_names[ntarf] = tidy_text(ltarf)
