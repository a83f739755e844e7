"""The metric catalogue: every metric the exporter emits, with its type, help, unit and labels.

This is the contract that rules, alerts and dashboards are written against.
``docs/metrics.md`` lists the same entries; a test holds the two together and
another holds the live output against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    GAUGE = "gauge"
    COUNTER = "counter"
    INFO = "info"
    STATESET = "stateset"


@dataclass(frozen=True)
class MetricSpec:
    name: str  # as exposed: counters end in _total, info metrics in _info
    kind: Kind
    help: str
    labels: tuple[str, ...]
    unit: str = ""  # OpenMetrics unit; the name ends with it
    source: str = ""  # TIC labels it comes from, for docs/metrics.md

    @property
    def family(self) -> str:
        """The name given to prometheus_client, which adds _total / _info itself."""
        if self.kind is Kind.COUNTER:
            return self.name.removesuffix("_total")
        if self.kind is Kind.INFO:
            return self.name.removesuffix("_info")
        return self.name


M = "meter"
S = "serial"  # on the meter's registers: a replaced meter begins new series (docs/metrics.md)
_SPECS = [
    # -- the meter ------------------------------------------------------------------
    MetricSpec("linky_up", Kind.GAUGE, "1 while valid frames arrive from the meter, 0 once they stop for --tic.stale-after.", (M,)),
    MetricSpec(
        "linky_meter_info",
        Kind.INFO,
        "The meter's identity and contract; simulated=\"true\" for the built-in simulated meter.",
        (M, "serial", "mode", "tariff_option", "tic_version", "phases", "producer", "manufacturer", "device_type", "simulated"),
        source="ADCO/ADSC, OPTARIF/NGTF, VTIC, STGE",
    ),
    # -- energy ---------------------------------------------------------------------
    MetricSpec("linky_energy_imported_joules_total", Kind.COUNTER, "Active energy drawn from the grid, total.", (M, S), "joules", "EAST; historique: sum of the option's indexes"),
    MetricSpec(
        "linky_energy_imported_by_index_joules_total",
        Kind.COUNTER,
        "Active energy drawn, per tariff index of the supplier or distributor calendar.",
        (M, S, "register", "index"),
        "joules",
        "EASF01-10, EASD01-04; historique: BASE, HCHC/HCHP, EJPHN/EJPHPM, BBRHxJx",
    ),
    MetricSpec("linky_energy_exported_joules_total", Kind.COUNTER, "Active energy injected into the grid, total.", (M, S), "joules", "EAIT"),
    MetricSpec("linky_reactive_energy_varh_total", Kind.COUNTER, "Reactive energy per quadrant, in volt-ampere reactive hours.", (M, S, "quadrant"), "varh", "ERQ1-4"),
    # -- tariff ---------------------------------------------------------------------
    MetricSpec(
        "linky_tariff_index_info",
        Kind.INFO,
        "Name of a tariff index, as the meter calls it.",
        (M, "register", "index", "name"),
        source="historique index labels; standard: LTARF seen while NTARF = index",
    ),
    MetricSpec("linky_tariff_current_index", Kind.GAUGE, "Tariff index in use now (1-based).", (M, "register"), source="NTARF, STGE, PTEC"),
    MetricSpec(
        "linky_tempo_color",
        Kind.STATESET,
        "Tempo day colour, today and tomorrow (unknown until announced, around 20:00).",
        (M, "day", "linky_tempo_color"),
        source="PTEC, DEMAIN, STGE bits 24-27",
    ),
    MetricSpec("linky_mobile_peak_notice", Kind.GAUGE, "Number (1-3) of the mobile peak announced, 0 when none; historique EJP: 1 during the PEJP notice.", (M,), source="PEJP, STGE bits 28-29"),
    MetricSpec("linky_mobile_peak_active", Kind.GAUGE, "Number (1-3) of the mobile peak in progress, 0 when none; historique: 1 while PTEC is PM.", (M,), source="PTEC, STGE bits 30-31"),
    MetricSpec("linky_tariff_price_euros_per_kilowatt_hour", Kind.GAUGE, "Price of a kWh on a tariff index, as configured in the exporter.", (M, "register", "index"), source="configuration"),
    MetricSpec("linky_subscription_price_euros_per_day", Kind.GAUGE, "Subscription price per day, as configured in the exporter.", (M,), source="configuration"),
    # -- power, current, voltage ------------------------------------------------------
    MetricSpec("linky_apparent_power_volt_amperes", Kind.GAUGE, "Apparent power, drawn (import) or injected (export).", (M, "direction"), "volt_amperes", "PAPP, SINSTS, SINSTI"),
    MetricSpec("linky_phase_apparent_power_volt_amperes", Kind.GAUGE, "Apparent power drawn on one phase.", (M, "phase"), "volt_amperes", "SINSTS1-3"),
    MetricSpec("linky_current_amperes", Kind.GAUGE, "RMS current per phase.", (M, "phase"), "amperes", "IINST, IINST1-3, IRMS1-3"),
    MetricSpec("linky_voltage_volts", Kind.GAUGE, "RMS voltage per phase.", (M, "phase"), "volts", "URMS1-3"),
    MetricSpec("linky_voltage_mean_volts", Kind.GAUGE, "Mean voltage per phase over the meter's last 10-minute period.", (M, "phase"), "volts", "UMOY1-3"),
    MetricSpec("linky_apparent_power_max_volt_amperes", Kind.GAUGE, "Maximum apparent power of the day, today or yesterday.", (M, "direction", "day"), "volt_amperes", "SMAXSN, SMAXSN-1, SMAXIN, SMAXIN-1; historique PMAX (yesterday)"),
    MetricSpec("linky_phase_apparent_power_max_volt_amperes", Kind.GAUGE, "Maximum apparent power drawn on one phase, today or yesterday.", (M, "phase", "day"), "volt_amperes", "SMAXSN1-3, SMAXSN1-1..3-1"),
    MetricSpec(
        "linky_active_power_watts",
        Kind.GAUGE,
        "Active power estimated from the timing of the energy register's 1 Wh steps and the apparent power (docs/active-power.md).",
        (M, "direction"),
        "watts",
        "EAST/EAIT (historique: sum of the indexes) with PAPP, SINSTS, SINSTI",
    ),
    MetricSpec(
        "linky_power_factor_ratio",
        Kind.GAUGE,
        "Power factor (active / apparent power) fitted over the same steps; absent where apparent power is not sent.",
        (M, "direction"),
        "ratio",
        "EAST/EAIT with PAPP, SINSTS, SINSTI",
    ),
    MetricSpec("linky_load_curve_power_watts", Kind.GAUGE, "Load-curve point: mean active power over the last complete period (n) and the one before (n-1).", (M, "direction", "point"), "watts", "CCASN, CCASN-1, CCAIN, CCAIN-1"),
    MetricSpec("linky_max_current_amperes", Kind.GAUGE, "Maximum current the meter reports (historique IMAX).", (M, "phase"), "amperes", "IMAX, IMAX1-3"),
    # -- limits and alarms --------------------------------------------------------------
    MetricSpec("linky_reference_power_volt_amperes", Kind.GAUGE, "Subscribed (reference) apparent power.", (M,), "volt_amperes", "PREF x 1000; historique ISOUSC x 200 V"),
    MetricSpec("linky_cutoff_power_volt_amperes", Kind.GAUGE, "Apparent power at which the breaker opens.", (M,), "volt_amperes", "PCOUP x 1000"),
    MetricSpec("linky_reference_power_exceeded", Kind.GAUGE, "1 while the reference power is exceeded.", (M,), source="STGE bit 7; historique: ADPS/ADIR present"),
    MetricSpec("linky_overcurrent_warning_amperes", Kind.GAUGE, "Over-current warning, present only while the meter sends it.", (M, "phase"), "amperes", "ADPS, ADIR1-3"),
    MetricSpec("linky_breaker_state", Kind.STATESET, "State of the breaker (organe de coupure) and why it opened.", (M, "linky_breaker_state"), source="STGE bits 1-3"),
    MetricSpec("linky_relay_closed", Kind.GAUGE, "1 if the relay is closed.", (M, "relay"), source="RELAIS"),
    MetricSpec("linky_dry_contact_open", Kind.GAUGE, "1 if the dry contact is open.", (M,), source="STGE bit 0"),
    MetricSpec("linky_terminal_cover_open", Kind.GAUGE, "1 if the distributor's terminal cover is open.", (M,), source="STGE bit 4"),
    MetricSpec("linky_overvoltage", Kind.GAUGE, "1 if the meter reports an over-voltage on a phase.", (M,), source="STGE bit 6"),
    MetricSpec("linky_energy_direction_negative", Kind.GAUGE, "1 while active energy flows out to the grid.", (M,), source="STGE bit 9"),
    MetricSpec("linky_clock_degraded", Kind.GAUGE, "1 if the meter's clock is in degraded mode.", (M,), source="STGE bit 16, lowercase horodate season"),
    MetricSpec("linky_euridis_output_state", Kind.STATESET, "State of the Euridis output.", (M, "linky_euridis_output_state"), source="STGE bits 19-20"),
    MetricSpec("linky_cpl_state", Kind.STATESET, "State of the power-line (CPL) link.", (M, "linky_cpl_state"), source="STGE bits 21-22"),
    MetricSpec("linky_cpl_synchronised", Kind.GAUGE, "1 if the power-line (CPL) link is synchronised.", (M,), source="STGE bit 23"),
    MetricSpec(
        "linky_meter_clock_offset_seconds",
        Kind.GAUGE,
        "The meter's clock minus the exporter's clock, in whole seconds; moves only when they drift 2 s or more apart.",
        (M,),
        "seconds",
        "DATE",
    ),
    # -- the exporter itself --------------------------------------------------------------
    MetricSpec("linky_exporter_frames_total", Kind.COUNTER, "Frames read, by result: valid, invalid (partial, no valid group, overflow), interrupted (EOT).", (M, "result"), source="framing"),
    MetricSpec("linky_exporter_groups_total", Kind.COUNTER, "Groups read, by result: valid, checksum_error, malformed, rejected_value (label table or index guard).", (M, "result"), source="framing, label table, index guard"),
    MetricSpec("linky_exporter_bytes_total", Kind.COUNTER, "Bytes read from the source.", (M,), "bytes", "source"),
    MetricSpec("linky_exporter_last_frame_timestamp_seconds", Kind.GAUGE, "Unix time of the last valid frame, in whole seconds.", (M,), "seconds", "source"),
    MetricSpec("linky_exporter_source_connected", Kind.GAUGE, "1 while the source (serial port, socket, file) is open.", (M,), source="source"),
    MetricSpec("linky_exporter_source_reconnects_total", Kind.COUNTER, "Times the source was reopened after an error or its end.", (M,), source="source"),
    MetricSpec("linky_exporter_mode_detections_total", Kind.COUNTER, "Times the TIC mode was (re)detected, by mode found.", (M, "mode"), source="mode auto-detection"),
    MetricSpec("linky_exporter_build_info", Kind.GAUGE, "Always 1; the exporter's version.", ("version",)),
]

METRICS: dict[str, MetricSpec] = {spec.name: spec for spec in _SPECS}


def markdown_table() -> str:
    """The catalogue as the table of docs/metrics.md (``python -m linky_exporter.metrics``)."""
    lines = ["| metric | type | unit | labels | from | help |", "|---|---|---|---|---|---|"]
    for spec in METRICS.values():
        labels = ", ".join(f"`{label}`" for label in spec.labels)
        lines.append(
            f"| `{spec.name}` | {spec.kind.value} | {spec.unit or '—'} | {labels} | {spec.source or '—'} | {spec.help} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
