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
#: What linky_meter_info says about the meter, in its label order (the collector fills them from the identity).
IDENTITY_LABELS = ("serial", "mode", "tariff_option", "tic_version", "phases", "producer", "manufacturer", "device_type")
# -- the meter ------------------------------------------------------------------
UP = MetricSpec("linky_up", Kind.GAUGE, "1 while valid frames arrive from the meter, 0 once they stop for --tic.stale-after.", (M,))
METER_INFO = MetricSpec(
    "linky_meter_info",
    Kind.INFO,
    "The meter's identity and contract; simulated=\"true\" for the built-in simulated meter.",
    (M, *IDENTITY_LABELS, "simulated"),
    source="ADCO/ADSC, OPTARIF/NGTF, VTIC, STGE",
)
# -- energy ---------------------------------------------------------------------
ENERGY_IMPORTED_JOULES_TOTAL = MetricSpec("linky_energy_imported_joules_total", Kind.COUNTER, "Active energy drawn from the grid, total.", (M, S), "joules", "EAST; historique: sum of the option's indexes")
ENERGY_IMPORTED_BY_INDEX_JOULES_TOTAL = MetricSpec(
    "linky_energy_imported_by_index_joules_total",
    Kind.COUNTER,
    "Active energy drawn, per tariff index of the supplier or distributor calendar.",
    (M, S, "register", "index"),
    "joules",
    "EASF01-10, EASD01-04; historique: BASE, HCHC/HCHP, EJPHN/EJPHPM, BBRHxJx",
)
ENERGY_EXPORTED_JOULES_TOTAL = MetricSpec("linky_energy_exported_joules_total", Kind.COUNTER, "Active energy injected into the grid, total.", (M, S), "joules", "EAIT")
REACTIVE_ENERGY_VARH_TOTAL = MetricSpec("linky_reactive_energy_varh_total", Kind.COUNTER, "Reactive energy per quadrant, in volt-ampere reactive hours.", (M, S, "quadrant"), "varh", "ERQ1-4")
# -- tariff ---------------------------------------------------------------------
TARIFF_INDEX_INFO = MetricSpec(
    "linky_tariff_index_info",
    Kind.INFO,
    "Name of a tariff index, as the meter calls it.",
    (M, "register", "index", "name"),
    source="historique index labels; standard: LTARF seen while NTARF = index",
)
TARIFF_CURRENT_INDEX = MetricSpec("linky_tariff_current_index", Kind.GAUGE, "Tariff index in use now (1-based).", (M, "register"), source="NTARF, STGE, PTEC")
TEMPO_COLOR = MetricSpec(
    "linky_tempo_color",
    Kind.STATESET,
    "Tempo day colour, today and tomorrow (unknown until announced, around 20:00).",
    (M, "day", "linky_tempo_color"),
    source="PTEC, DEMAIN, STGE bits 24-27",
)
MOBILE_PEAK_NOTICE = MetricSpec("linky_mobile_peak_notice", Kind.GAUGE, "Number (1-3) of the mobile peak announced, 0 when none; historique EJP: 1 during the PEJP notice.", (M,), source="PEJP, STGE bits 28-29")
MOBILE_PEAK_ACTIVE = MetricSpec("linky_mobile_peak_active", Kind.GAUGE, "Number (1-3) of the mobile peak in progress, 0 when none; historique: 1 while PTEC is PM.", (M,), source="PTEC, STGE bits 30-31")
TARIFF_PRICE_EUROS_PER_KILOWATT_HOUR = MetricSpec("linky_tariff_price_euros_per_kilowatt_hour", Kind.GAUGE, "Price of a kWh on a tariff index, as configured in the exporter.", (M, "register", "index"), source="configuration")
SUBSCRIPTION_PRICE_EUROS_PER_DAY = MetricSpec("linky_subscription_price_euros_per_day", Kind.GAUGE, "Subscription price per day, as configured in the exporter.", (M,), source="configuration")
# -- power, current, voltage ------------------------------------------------------
APPARENT_POWER_VOLT_AMPERES = MetricSpec("linky_apparent_power_volt_amperes", Kind.GAUGE, "Apparent power, drawn (import) or injected (export).", (M, "direction"), "volt_amperes", "PAPP, SINSTS, SINSTI")
PHASE_APPARENT_POWER_VOLT_AMPERES = MetricSpec("linky_phase_apparent_power_volt_amperes", Kind.GAUGE, "Apparent power drawn on one phase.", (M, "phase"), "volt_amperes", "SINSTS1-3")
CURRENT_AMPERES = MetricSpec("linky_current_amperes", Kind.GAUGE, "RMS current per phase.", (M, "phase"), "amperes", "IINST, IINST1-3, IRMS1-3")
VOLTAGE_VOLTS = MetricSpec("linky_voltage_volts", Kind.GAUGE, "RMS voltage per phase.", (M, "phase"), "volts", "URMS1-3")
VOLTAGE_MEAN_VOLTS = MetricSpec("linky_voltage_mean_volts", Kind.GAUGE, "Mean voltage per phase over the meter's last 10-minute period.", (M, "phase"), "volts", "UMOY1-3")
APPARENT_POWER_MAX_VOLT_AMPERES = MetricSpec("linky_apparent_power_max_volt_amperes", Kind.GAUGE, "Maximum apparent power of the day, today or yesterday.", (M, "direction", "day"), "volt_amperes", "SMAXSN, SMAXSN-1, SMAXIN, SMAXIN-1; historique PMAX (yesterday)")
PHASE_APPARENT_POWER_MAX_VOLT_AMPERES = MetricSpec("linky_phase_apparent_power_max_volt_amperes", Kind.GAUGE, "Maximum apparent power drawn on one phase, today or yesterday.", (M, "phase", "day"), "volt_amperes", "SMAXSN1-3, SMAXSN1-1..3-1")
ACTIVE_POWER_WATTS = MetricSpec(
    "linky_active_power_watts",
    Kind.GAUGE,
    "Active power estimated from the timing of the energy register's 1 Wh steps and the apparent power (docs/active-power.md).",
    (M, "direction"),
    "watts",
    "EAST/EAIT (historique: sum of the indexes) with PAPP, SINSTS, SINSTI",
)
POWER_FACTOR_RATIO = MetricSpec(
    "linky_power_factor_ratio",
    Kind.GAUGE,
    "Power factor (active / apparent power) fitted over the same steps; absent where apparent power is not sent.",
    (M, "direction"),
    "ratio",
    "EAST/EAIT with PAPP, SINSTS, SINSTI",
)
LOAD_CURVE_POWER_WATTS = MetricSpec("linky_load_curve_power_watts", Kind.GAUGE, "Load-curve point: mean active power over the last complete period (n) and the one before (n-1).", (M, "direction", "point"), "watts", "CCASN, CCASN-1, CCAIN, CCAIN-1")
MAX_CURRENT_AMPERES = MetricSpec("linky_max_current_amperes", Kind.GAUGE, "Maximum current the meter reports (historique IMAX).", (M, "phase"), "amperes", "IMAX, IMAX1-3")
# -- limits and alarms --------------------------------------------------------------
REFERENCE_POWER_VOLT_AMPERES = MetricSpec("linky_reference_power_volt_amperes", Kind.GAUGE, "Subscribed (reference) apparent power.", (M,), "volt_amperes", "PREF x 1000; historique ISOUSC x 200 V x phases")
CUTOFF_POWER_VOLT_AMPERES = MetricSpec("linky_cutoff_power_volt_amperes", Kind.GAUGE, "Apparent power at which the breaker opens.", (M,), "volt_amperes", "PCOUP x 1000")
REFERENCE_POWER_EXCEEDED = MetricSpec("linky_reference_power_exceeded", Kind.GAUGE, "1 while the reference power is exceeded.", (M,), source="STGE bit 7; historique: ADPS/ADIR present")
OVERCURRENT_WARNING_AMPERES = MetricSpec("linky_overcurrent_warning_amperes", Kind.GAUGE, "Over-current warning, present only while the meter sends it.", (M, "phase"), "amperes", "ADPS, ADIR1-3")
BREAKER_STATE = MetricSpec("linky_breaker_state", Kind.STATESET, "State of the breaker (organe de coupure) and why it opened.", (M, "linky_breaker_state"), source="STGE bits 1-3")
RELAY_CLOSED = MetricSpec("linky_relay_closed", Kind.GAUGE, "1 if the relay is closed.", (M, "relay"), source="RELAIS")
DRY_CONTACT_OPEN = MetricSpec("linky_dry_contact_open", Kind.GAUGE, "1 if the dry contact is open.", (M,), source="STGE bit 0")
TERMINAL_COVER_OPEN = MetricSpec("linky_terminal_cover_open", Kind.GAUGE, "1 if the distributor's terminal cover is open.", (M,), source="STGE bit 4")
OVERVOLTAGE = MetricSpec("linky_overvoltage", Kind.GAUGE, "1 if the meter reports an over-voltage on a phase.", (M,), source="STGE bit 6")
ENERGY_DIRECTION_NEGATIVE = MetricSpec("linky_energy_direction_negative", Kind.GAUGE, "1 while active energy flows out to the grid.", (M,), source="STGE bit 9")
CLOCK_DEGRADED = MetricSpec("linky_clock_degraded", Kind.GAUGE, "1 if the meter's clock is in degraded mode.", (M,), source="STGE bit 16, lowercase horodate season")
EURIDIS_OUTPUT_STATE = MetricSpec("linky_euridis_output_state", Kind.STATESET, "State of the Euridis output.", (M, "linky_euridis_output_state"), source="STGE bits 19-20")
CPL_STATE = MetricSpec("linky_cpl_state", Kind.STATESET, "State of the power-line (CPL) link.", (M, "linky_cpl_state"), source="STGE bits 21-22")
CPL_SYNCHRONISED = MetricSpec("linky_cpl_synchronised", Kind.GAUGE, "1 if the power-line (CPL) link is synchronised.", (M,), source="STGE bit 23")
METER_CLOCK_OFFSET_SECONDS = MetricSpec(
    "linky_meter_clock_offset_seconds",
    Kind.GAUGE,
    "The meter's clock minus the exporter's clock, in whole seconds; moves only when they drift 2 s or more apart.",
    (M,),
    "seconds",
    "DATE",
)
# -- the exporter itself --------------------------------------------------------------
EXPORTER_FRAMES_TOTAL = MetricSpec("linky_exporter_frames_total", Kind.COUNTER, "Frames read, by result: valid, invalid (partial, no valid group, overflow), interrupted (EOT).", (M, "result"), source="framing")
EXPORTER_GROUPS_TOTAL = MetricSpec("linky_exporter_groups_total", Kind.COUNTER, "Groups read, by result: valid, checksum_error, malformed, rejected_value (label table or index guard).", (M, "result"), source="framing, label table, index guard")
EXPORTER_BYTES_TOTAL = MetricSpec("linky_exporter_bytes_total", Kind.COUNTER, "Bytes read from the source.", (M,), "bytes", "source")
EXPORTER_LAST_FRAME_TIMESTAMP_SECONDS = MetricSpec("linky_exporter_last_frame_timestamp_seconds", Kind.GAUGE, "Unix time of the last valid frame, in whole seconds.", (M,), "seconds", "source")
EXPORTER_SOURCE_CONNECTED = MetricSpec("linky_exporter_source_connected", Kind.GAUGE, "1 while the source (serial port, socket, file) is open.", (M,), source="source")
EXPORTER_SOURCE_RECONNECTS_TOTAL = MetricSpec("linky_exporter_source_reconnects_total", Kind.COUNTER, "Times the source was reopened after an error or its end.", (M,), source="source")
EXPORTER_MODE_DETECTIONS_TOTAL = MetricSpec("linky_exporter_mode_detections_total", Kind.COUNTER, "Times the TIC mode was (re)detected, by mode found.", (M, "mode"), source="mode auto-detection")
# -- the HTTP server ------------------------------------------------------------------
EXPORTER_HTTP_RESPONSES_TOTAL = MetricSpec("linky_exporter_http_responses_total", Kind.COUNTER, "HTTP responses written, by status code: 401 wrong or missing credentials, 429 rate limit, 400/405/431 malformed requests.", ("code",), source="HTTP server")
EXPORTER_HTTP_CONNECTIONS = MetricSpec("linky_exporter_http_connections", Kind.GAUGE, "HTTP connections held, idle ones included (at most --web.max-connections).", (), source="HTTP server")
EXPORTER_HTTP_CONNECTIONS_REFUSED_TOTAL = MetricSpec("linky_exporter_http_connections_refused_total", Kind.COUNTER, "Connections closed on arrival: every held one was authenticated, being answered, or too fresh to give way (--web.max-connections).", (), source="HTTP server")
EXPORTER_HTTP_IDLE_CONNECTIONS_CLOSED_TOTAL = MetricSpec("linky_exporter_http_idle_connections_closed_total", Kind.COUNTER, "Waiting connections (idle, or sending a request, or not reading their response) closed to make room for a new one (--web.max-connections).", (), source="HTTP server")
EXPORTER_BUILD_INFO = MetricSpec("linky_exporter_build_info", Kind.GAUGE, "Always 1; the exporter's version.", ("version",))

#: Every metric, in the order of docs/metrics.md.
METRICS: dict[str, MetricSpec] = {spec.name: spec for spec in (
    UP,
    METER_INFO,
    ENERGY_IMPORTED_JOULES_TOTAL,
    ENERGY_IMPORTED_BY_INDEX_JOULES_TOTAL,
    ENERGY_EXPORTED_JOULES_TOTAL,
    REACTIVE_ENERGY_VARH_TOTAL,
    TARIFF_INDEX_INFO,
    TARIFF_CURRENT_INDEX,
    TEMPO_COLOR,
    MOBILE_PEAK_NOTICE,
    MOBILE_PEAK_ACTIVE,
    TARIFF_PRICE_EUROS_PER_KILOWATT_HOUR,
    SUBSCRIPTION_PRICE_EUROS_PER_DAY,
    APPARENT_POWER_VOLT_AMPERES,
    PHASE_APPARENT_POWER_VOLT_AMPERES,
    CURRENT_AMPERES,
    VOLTAGE_VOLTS,
    VOLTAGE_MEAN_VOLTS,
    APPARENT_POWER_MAX_VOLT_AMPERES,
    PHASE_APPARENT_POWER_MAX_VOLT_AMPERES,
    ACTIVE_POWER_WATTS,
    POWER_FACTOR_RATIO,
    LOAD_CURVE_POWER_WATTS,
    MAX_CURRENT_AMPERES,
    REFERENCE_POWER_VOLT_AMPERES,
    CUTOFF_POWER_VOLT_AMPERES,
    REFERENCE_POWER_EXCEEDED,
    OVERCURRENT_WARNING_AMPERES,
    BREAKER_STATE,
    RELAY_CLOSED,
    DRY_CONTACT_OPEN,
    TERMINAL_COVER_OPEN,
    OVERVOLTAGE,
    ENERGY_DIRECTION_NEGATIVE,
    CLOCK_DEGRADED,
    EURIDIS_OUTPUT_STATE,
    CPL_STATE,
    CPL_SYNCHRONISED,
    METER_CLOCK_OFFSET_SECONDS,
    EXPORTER_FRAMES_TOTAL,
    EXPORTER_GROUPS_TOTAL,
    EXPORTER_BYTES_TOTAL,
    EXPORTER_LAST_FRAME_TIMESTAMP_SECONDS,
    EXPORTER_SOURCE_CONNECTED,
    EXPORTER_SOURCE_RECONNECTS_TOTAL,
    EXPORTER_MODE_DETECTIONS_TOTAL,
    EXPORTER_HTTP_RESPONSES_TOTAL,
    EXPORTER_HTTP_CONNECTIONS,
    EXPORTER_HTTP_CONNECTIONS_REFUSED_TOTAL,
    EXPORTER_HTTP_IDLE_CONNECTIONS_CLOSED_TOTAL,
    EXPORTER_BUILD_INFO,
)}


def markdown_table() -> str:
    """The catalogue as the table of docs/metrics.md (written there by ``scripts/regenerate``)."""
    lines = ["| metric | type | unit | labels | from | help |", "|---|---|---|---|---|---|"]
    for spec in METRICS.values():
        labels = ", ".join(f"`{label}`" for label in spec.labels)
        lines.append(
            f"| `{spec.name}` | {spec.kind.value} | {spec.unit or '—'} | {labels} | {spec.source or '—'} | {spec.help} |"
        )
    return "\n".join(lines) + "\n"
