"""A Reading as metric samples: ``{(metric name, label values without meter): value}``.

Only what the frame carried becomes a sample, so a mono meter has no phase 2 or
3 series and a consumer no export series. Energy counters are not here: they go
through the index guard in ``meter.py`` first.
"""

from __future__ import annotations

from .tic.reading import Reading
from .tic.stge import BreakerState, CplStatus, EuridisOutput, TempoColor

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


def stateset(samples: Samples, name: str, labels: tuple[str, ...], states: list[str], current: str) -> None:
    for state in states:
        samples[(name, (*labels, state))] = 1.0 if state == current else 0.0


def reading_samples(reading: Reading) -> Samples:
    s: Samples = {}
    for direction, va in reading.apparent_power_va.items():
        s[("linky_apparent_power_volt_amperes", (direction,))] = va
    for phase, va in reading.phase_apparent_power_va.items():
        s[("linky_phase_apparent_power_volt_amperes", (str(phase),))] = va
    for phase, amperes in reading.current_a.items():
        s[("linky_current_amperes", (str(phase),))] = amperes
    for phase, volts in reading.voltage_v.items():
        s[("linky_voltage_volts", (str(phase),))] = volts
    for phase, volts in reading.voltage_mean_v.items():
        s[("linky_voltage_mean_volts", (str(phase),))] = volts
    for (direction, day), va in reading.apparent_power_max_va.items():
        s[("linky_apparent_power_max_volt_amperes", (direction, day))] = va
    for (phase, day), va in reading.phase_apparent_power_max_va.items():
        s[("linky_phase_apparent_power_max_volt_amperes", (str(phase), day))] = va
    for (direction, point), watts in reading.load_curve_w.items():
        s[("linky_load_curve_power_watts", (direction, point))] = watts
    for phase, amperes in reading.max_current_a.items():
        s[("linky_max_current_amperes", (str(phase),))] = amperes
    for phase, amperes in reading.overcurrent_warning_a.items():
        s[("linky_overcurrent_warning_amperes", (str(phase),))] = amperes
    for relay, closed in reading.relays.items():
        s[("linky_relay_closed", (str(relay),))] = float(closed)

    _optional(s, "linky_reference_power_volt_amperes", reading.reference_power_va)
    _optional(s, "linky_cutoff_power_volt_amperes", reading.cutoff_power_va)
    _optional(s, "linky_reference_power_exceeded", reading.reference_power_exceeded)
    _optional(s, "linky_mobile_peak_notice", reading.mobile_peak_notice)
    _optional(s, "linky_mobile_peak_active", reading.mobile_peak_active)
    _optional(s, "linky_clock_degraded", reading.clock_degraded)
    if reading.current_supplier_index is not None:
        s[("linky_tariff_current_index", ("supplier",))] = reading.current_supplier_index
    if reading.current_distributor_index is not None:
        s[("linky_tariff_current_index", ("distributor",))] = reading.current_distributor_index

    colours = [c.value for c in TempoColor]
    if reading.tempo_today is not None:
        stateset(s, "linky_tempo_color", ("today",), colours, reading.tempo_today.value)
    if reading.tempo_tomorrow is not None:
        stateset(s, "linky_tempo_color", ("tomorrow",), colours, reading.tempo_tomorrow.value)

    status = reading.status
    if status is not None:
        stateset(s, "linky_breaker_state", (), [b.value for b in BreakerState], status.breaker.value)
        stateset(s, "linky_euridis_output_state", (), list(_EURIDIS_STATES.values()), _EURIDIS_STATES[status.euridis_output])
        stateset(s, "linky_cpl_state", (), list(_CPL_STATES.values()), _CPL_STATES[status.cpl_status])
        s[("linky_dry_contact_open", ())] = float(status.dry_contact_open)
        s[("linky_terminal_cover_open", ())] = float(status.terminal_cover_open)
        s[("linky_overvoltage", ())] = float(status.overvoltage)
        s[("linky_energy_direction_negative", ())] = float(status.energy_negative)
        s[("linky_cpl_synchronised", ())] = float(status.cpl_synchronised)
    return s


def _optional(samples: Samples, name: str, value: int | bool | None) -> None:
    if value is not None:
        samples[(name, ())] = float(value)
