"""A Reading as metric samples: ``{(metric name, label values without meter): value}``.

The one place where what the meter sends becomes metrics. Only what the frame
carried becomes a sample, so a mono meter has no phase 2 or 3 series and a
consumer no export series. Energy registers are listed here with their metric
and scale (:func:`energy_registers`), but become samples only through the index
guard of ``meter/energy.py``; the active-power estimates become samples through
:func:`power_samples`. Metric names come from the catalogue (``catalogue.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..tic.framing import Mode
from ..tic.group_values import EXPORT, IMPORT
from ..tic.reading import Reading
from ..tic.stge import BreakerState, CplStatus, EuridisOutput, TempoColor
from . import catalogue as m

SampleKey = tuple[str, tuple[str, ...]]
Samples = dict[SampleKey, float]

_EURIDIS_STATES = {
    EuridisOutput.DISABLED: "disabled",
    EuridisOutput.ENABLED_WITHOUT_SECURITY: "enabled_without_security",
    EuridisOutput.RESERVED: "reserved",
    EuridisOutput.ENABLED_WITH_SECURITY: "enabled_with_security",
}
_CPL_STATES = {
    CplStatus.NEW_UNLOCKED: "new_unlocked",
    CplStatus.NEW_LOCKED: "new_locked",
    CplStatus.REGISTERED: "registered",
    CplStatus.RESERVED: "reserved",
}
_WH_IN_J = 3600.0

#: The metric each Reading field of tic/short_frames.BURST_FIELDS becomes.
FIELD_METRICS = {
    "overcurrent_warning_a": m.OVERCURRENT_WARNING_AMPERES.name,
    "reference_power_exceeded": m.REFERENCE_POWER_EXCEEDED.name,
}
#: The directions an energy register (and so an active-power estimate) measures.
DIRECTIONS = (IMPORT, EXPORT)
#: Every sample of the active-power estimates (recomputed every frame, see meter/energy.py):
#: dropped by key, not by a look at every sample.
POWER_KEYS = tuple(
    (spec.name, (direction,)) for spec in (m.ACTIVE_POWER_WATTS, m.POWER_FACTOR_RATIO) for direction in DIRECTIONS
)


# A stateset's states, listed once (iterating an Enum is slow, and this is done every frame).
_TEMPO_STATES = tuple(colour.value for colour in TempoColor)
_BREAKER_STATES = tuple(state.value for state in BreakerState)
_EURIDIS_STATE_NAMES = tuple(_EURIDIS_STATES.values())
_CPL_STATE_NAMES = tuple(_CPL_STATES.values())


def stateset(samples: Samples, name: str, labels: tuple[str, ...], states: Sequence[str], current: str) -> None:
    for state in states:
        samples[(name, (*labels, state))] = 1.0 if state == current else 0.0


def reading_samples(reading: Reading) -> Samples:
    """What the reading carries besides the energy registers, as samples."""
    s: Samples = {}
    _by_label(s, m.APPARENT_POWER_VOLT_AMPERES, reading.apparent_power_va)
    _by_label(s, m.PHASE_APPARENT_POWER_VOLT_AMPERES, reading.phase_apparent_power_va)
    _by_label(s, m.CURRENT_AMPERES, reading.current_a)
    _by_label(s, m.VOLTAGE_VOLTS, reading.voltage_v)
    _by_label(s, m.VOLTAGE_MEAN_VOLTS, reading.voltage_mean_v)
    _by_label(s, m.APPARENT_POWER_MAX_VOLT_AMPERES, reading.apparent_power_max_va)
    _by_label(s, m.PHASE_APPARENT_POWER_MAX_VOLT_AMPERES, reading.phase_apparent_power_max_va)
    _by_label(s, m.LOAD_CURVE_POWER_WATTS, reading.load_curve_w)
    _by_label(s, m.MAX_CURRENT_AMPERES, reading.max_current_a)
    _by_label(s, m.OVERCURRENT_WARNING_AMPERES, reading.overcurrent_warning_a)
    _by_label(s, m.RELAY_CLOSED, reading.relays)

    _optional(s, m.REFERENCE_POWER_VOLT_AMPERES, reading.reference_power_va)
    _optional(s, m.CUTOFF_POWER_VOLT_AMPERES, reading.cutoff_power_va)
    _optional(s, m.REFERENCE_POWER_EXCEEDED, reading.reference_power_exceeded)
    _optional(s, m.MOBILE_PEAK_NOTICE, reading.mobile_peak_notice)
    _optional(s, m.MOBILE_PEAK_ACTIVE, reading.mobile_peak_active)
    _optional(s, m.CLOCK_DEGRADED, reading.clock_degraded)
    if reading.current_supplier_index is not None:
        s[(m.TARIFF_CURRENT_INDEX.name, ("supplier",))] = reading.current_supplier_index
    if reading.current_distributor_index is not None:
        s[(m.TARIFF_CURRENT_INDEX.name, ("distributor",))] = reading.current_distributor_index

    if reading.tempo_today is not None:
        stateset(s, m.TEMPO_COLOR.name, ("today",), _TEMPO_STATES, reading.tempo_today.value)
    if reading.tempo_tomorrow is not None:
        stateset(s, m.TEMPO_COLOR.name, ("tomorrow",), _TEMPO_STATES, reading.tempo_tomorrow.value)
    _status_samples(s, reading)
    return s


def _status_samples(s: Samples, reading: Reading) -> None:
    status = reading.status
    if status is None:
        return
    stateset(s, m.BREAKER_STATE.name, (), _BREAKER_STATES, status.breaker.value)
    stateset(s, m.EURIDIS_OUTPUT_STATE.name, (), _EURIDIS_STATE_NAMES, _EURIDIS_STATES[status.euridis_output])
    stateset(s, m.CPL_STATE.name, (), _CPL_STATE_NAMES, _CPL_STATES[status.cpl_status])
    _optional(s, m.DRY_CONTACT_OPEN, status.dry_contact_open)
    _optional(s, m.TERMINAL_COVER_OPEN, status.terminal_cover_open)
    _optional(s, m.OVERVOLTAGE, status.overvoltage)
    _optional(s, m.ENERGY_DIRECTION_NEGATIVE, status.energy_negative)
    _optional(s, m.CPL_SYNCHRONISED, status.cpl_synchronised)


def clock_offset_sample(offset: float) -> Samples:
    return {(m.METER_CLOCK_OFFSET_SECONDS.name, ()): offset}


class Register(NamedTuple):  # a tuple: built 15 times a frame, 3x cheaper than a frozen dataclass
    """One energy register of a reading: its sample, raw value and scale to the metric's unit."""

    key: SampleKey
    raw: int
    scale: float
    direction: str | None = None  # the active power it measures (import/export), if any
    derived: bool = False  # historique's total: the sum of index groups already counted


def energy_registers(reading: Reading, serial: str) -> list[Register]:
    """The reading's energy registers (Wh to J, varh as is), under the meter's serial."""
    # Historique has no total group: the total is the sum of the index groups.
    derived = reading.mode is Mode.HISTORIQUE
    registers: list[Register] = []
    if reading.energy_imported_wh is not None:
        key = (m.ENERGY_IMPORTED_JOULES_TOTAL.name, (serial,))
        registers.append(Register(key, reading.energy_imported_wh, _WH_IN_J, IMPORT, derived))
    if reading.energy_exported_wh is not None:
        key = (m.ENERGY_EXPORTED_JOULES_TOTAL.name, (serial,))
        registers.append(Register(key, reading.energy_exported_wh, _WH_IN_J, EXPORT))
    by_index = m.ENERGY_IMPORTED_BY_INDEX_JOULES_TOTAL.name
    for register, values in (("supplier", reading.supplier_energy_wh), ("distributor", reading.distributor_energy_wh)):
        registers += [Register((by_index, (serial, register, str(i))), wh, _WH_IN_J) for i, wh in values.items()]
    reactive = m.REACTIVE_ENERGY_VARH_TOTAL.name
    registers += [Register((reactive, (serial, str(q))), varh, 1.0) for q, varh in reading.reactive_energy_varh.items()]
    return registers


def power_samples(estimates: Mapping[str, tuple[float, float | None]]) -> Samples:
    """The active-power estimates, ``{direction: (watts, power factor or None)}``, as samples."""
    out: Samples = {}
    for direction, (watts, power_factor) in estimates.items():
        # Published in whole watts and to 0.01: finer digits are below what the
        # register's 1 Wh steps can tell, and a time-series database stores a value
        # with few significant bits, or one that did not change, in far fewer bytes.
        out[(m.ACTIVE_POWER_WATTS.name, (direction,))] = float(round(watts))
        if power_factor is not None:
            out[(m.POWER_FACTOR_RATIO.name, (direction,))] = round(power_factor, 2)
    return out


def _by_label(samples: Samples, spec: m.MetricSpec, values: Mapping) -> None:
    """``{label or tuple of labels: value}`` as samples of ``spec``."""
    for labels, value in values.items():
        labels = tuple(map(str, labels)) if isinstance(labels, tuple) else (str(labels),)
        samples[(spec.name, labels)] = float(value)


def _optional(samples: Samples, spec: m.MetricSpec, value: int | bool | None) -> None:
    if value is not None:
        samples[(spec.name, ())] = float(value)
