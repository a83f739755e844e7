"""One Reading model for both modes: what a frame says, in units and names.

``read_frame`` checks each group against the label table, then interprets the
mode's labels into the same fields. Everything is optional: a field is None (or
an empty dict) when the frame did not carry it, so a historique three-phase
short frame yields a Reading that updates only what it carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .address import MeterAddress, parse_address
from .framing import Frame, Group, Mode
from .horodate import Horodate, parse_horodate
from .labels import LABELS
from .stge import StatusRegister, TempoColor, decode_relais, decode_stge
from .tariffs import (
    DEMAIN_TEMPO,
    HISTORIQUE_INDEXES,
    HISTORIQUE_OPTIONS,
    PTEC_INDEX,
    PTEC_TEMPO_TODAY,
    tidy_text,
)

IMPORT = "import"
EXPORT = "export"
TODAY = "today"
YESTERDAY = "yesterday"
# Historique three-phase short frames carry only these (§6.1.2).
_SHORT_FRAME_LABELS = frozenset({"ADIR1", "ADIR2", "ADIR3", "ADCO", "IINST1", "IINST2", "IINST3"})


@dataclass
class Reading:
    mode: Mode
    # identity and contract
    serial: str | None = None
    address: MeterAddress | None = None
    tic_version: str | None = None
    tariff_option: str | None = None  # BASE, HC, EJP, TEMPO (historique); NGTF (standard)
    phases: int | None = None
    producer: bool | None = None
    # energy, in Wh / VArh as the meter counts them
    energy_imported_wh: int | None = None
    supplier_energy_wh: dict[int, int] = field(default_factory=dict)
    distributor_energy_wh: dict[int, int] = field(default_factory=dict)
    energy_exported_wh: int | None = None
    reactive_energy_varh: dict[int, int] = field(default_factory=dict)  # by quadrant
    # tariff
    supplier_index_names: dict[int, str] = field(default_factory=dict)
    current_supplier_index: int | None = None
    current_distributor_index: int | None = None
    tempo_today: TempoColor | None = None
    tempo_tomorrow: TempoColor | None = None
    mobile_peak_notice: int | None = None  # 0 none, else the announced peak's number
    mobile_peak_active: int | None = None  # 0 none, else the running peak's number
    # instantaneous values
    apparent_power_va: dict[str, int] = field(default_factory=dict)  # by direction
    phase_apparent_power_va: dict[int, int] = field(default_factory=dict)
    current_a: dict[int, int] = field(default_factory=dict)
    voltage_v: dict[int, int] = field(default_factory=dict)
    voltage_mean_v: dict[int, int] = field(default_factory=dict)
    apparent_power_max_va: dict[tuple[str, str], int] = field(default_factory=dict)  # (direction, day)
    phase_apparent_power_max_va: dict[tuple[int, str], int] = field(default_factory=dict)  # (phase, day)
    load_curve_w: dict[tuple[str, str], int] = field(default_factory=dict)  # (direction, point)
    max_current_a: dict[int, int] = field(default_factory=dict)
    # limits and alarms
    reference_power_va: int | None = None
    cutoff_power_va: int | None = None
    reference_power_exceeded: bool | None = None
    overcurrent_warning_a: dict[int, int] = field(default_factory=dict)
    status: StatusRegister | None = None
    relays: dict[int, bool] = field(default_factory=dict)
    meter_time: datetime | None = None
    clock_degraded: bool | None = None
    # what did not make it
    short_frame: bool = False
    unknown: dict[str, str] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)


def read_frame(frame: Frame) -> Reading:
    """Interpret a frame's valid groups. Values that fail the label table or
    cannot be interpreted are listed in ``Reading.rejected`` and left out."""
    if frame.mode is None:
        raise ValueError("a frame without valid groups has no reading")
    table = LABELS[frame.mode]
    reading = Reading(frame.mode)
    known: dict[str, Group] = {}
    for label, group in frame.groups.items():
        spec = table.get(label)
        if spec is None:
            reading.unknown[label] = group.value
        elif spec.accepts(group) and (group.horodate is None or _possible_horodate(group.horodate)):
            known[label] = group
        else:
            reading.rejected.append(label)
    values = _Values(known, reading.rejected)
    if frame.mode is Mode.HISTORIQUE:
        _read_historique(values, reading)
    else:
        _read_standard(values, reading)
    return reading


def _possible_horodate(raw: str) -> bool:
    try:
        parse_horodate(raw)
    except ValueError:  # a date that cannot exist (month 13, ...)
        return False
    return True


class _Values:
    """Accepted groups, with conversions that reject (not raise) on a bad value."""

    def __init__(self, groups: dict[str, Group], rejected: list[str]):
        self.groups = groups
        self.rejected = rejected

    def __contains__(self, label: str) -> bool:
        return label in self.groups

    def text(self, label: str) -> str | None:
        group = self.groups.get(label)
        return None if group is None else group.value

    def int(self, label: str, low: int = 0, high: int | None = None) -> int | None:
        group = self.groups.get(label)
        if group is None:
            return None
        number = int(group.value)  # the label table guarantees digits
        if number < low or (high is not None and number > high):
            self.reject(label)
            return None
        return number

    def horodate(self, label: str) -> Horodate | None:
        group = self.groups.get(label)
        return None if group is None or group.horodate is None else parse_horodate(group.horodate)

    def convert(self, label: str, function):
        group = self.groups.get(label)
        if group is None:
            return None
        try:
            return function(group.value)
        except ValueError:
            self.reject(label)
            return None

    def reject(self, label: str) -> None:
        del self.groups[label]
        self.rejected.append(label)


def _read_address(values: _Values, label: str, reading: Reading) -> None:
    address = values.convert(label, parse_address)
    if address is not None:
        reading.serial = values.text(label)
        reading.address = address


def _read_historique(values: _Values, reading: Reading) -> None:
    _read_address(values, "ADCO", reading)
    reading.short_frame = bool(values.groups) and set(values.groups) <= _SHORT_FRAME_LABELS and (
        "ADIR1" in values or "ADIR2" in values or "ADIR3" in values
    )
    option = values.text("OPTARIF")
    option_indexes: dict = {}
    if option is not None:
        reading.tariff_option, option_indexes = HISTORIQUE_OPTIONS[option[:3]]
        reading.supplier_index_names = {index.number: index.name for index in option_indexes.values()}
    for label, index in HISTORIQUE_INDEXES.items():
        wh = values.int(label)
        if wh is not None:
            reading.supplier_energy_wh[index.number] = wh
            reading.supplier_index_names.setdefault(index.number, index.name)
    # The total is the sum of the option's indexes, only when the frame carries
    # them all: one dropped group would make it a value the meter never had.
    if option_indexes and all(label in values for label in option_indexes):
        reading.energy_imported_wh = sum(values.int(label) or 0 for label in option_indexes)

    subscribed = values.int("ISOUSC")
    if subscribed is not None:
        reading.reference_power_va = subscribed * 200  # amperes at the 200 V EDF uses
    ptec = values.text("PTEC")
    if ptec is not None:
        reading.current_supplier_index = PTEC_INDEX[ptec]
        reading.tempo_today = PTEC_TEMPO_TODAY.get(ptec)
        reading.mobile_peak_active = 1 if ptec == "PM.." else 0
    demain = values.text("DEMAIN")
    if demain is not None:
        reading.tempo_tomorrow = DEMAIN_TEMPO[demain]
    if reading.tariff_option == "EJP" or "PEJP" in values:
        # PEJP is sent only during the 30-minute notice before a mobile peak.
        reading.mobile_peak_notice = 1 if "PEJP" in values else 0

    power = values.int("PAPP")
    if power is not None:
        reading.apparent_power_va[IMPORT] = power
    power_max = values.int("PMAX")
    if power_max is not None:
        reading.apparent_power_max_va[(IMPORT, YESTERDAY)] = power_max
    single = values.int("IINST")
    if single is not None:
        reading.current_a[1] = single
        reading.phases = 1
    for phase in (1, 2, 3):
        current = values.int(f"IINST{phase}")
        if current is not None:
            reading.current_a[phase] = current
            reading.phases = 3
        imax = values.int(f"IMAX{phase}")
        if imax is not None:
            reading.max_current_a[phase] = imax
        warning = values.int(f"ADIR{phase}")
        if warning is not None:
            reading.overcurrent_warning_a[phase] = warning
    imax = values.int("IMAX")
    if imax is not None:
        reading.max_current_a[1] = imax
    adps = values.int("ADPS")
    if adps is not None:
        reading.overcurrent_warning_a[1] = adps
    if reading.short_frame:
        reading.phases = 3
        # A burst goes on for a minute after the over-current, with ADIRn 000.
        reading.reference_power_exceeded = any(reading.overcurrent_warning_a.values())
    elif reading.phases is not None:
        # Historique warnings are sent only while they last: absent means none.
        reading.reference_power_exceeded = bool(reading.overcurrent_warning_a)


def _read_standard(values: _Values, reading: Reading) -> None:
    _read_address(values, "ADSC", reading)
    reading.tic_version = values.text("VTIC")
    ngtf = values.text("NGTF")
    if ngtf is not None:
        reading.tariff_option = tidy_text(ngtf)
    date = values.horodate("DATE")
    if date is not None:
        reading.meter_time = date.when
        reading.clock_degraded = date.clock_degraded

    reading.energy_imported_wh = values.int("EAST")
    for i in range(1, 11):
        wh = values.int(f"EASF{i:02d}")
        if wh is not None:
            reading.supplier_energy_wh[i] = wh
    for i in range(1, 5):
        wh = values.int(f"EASD{i:02d}")
        if wh is not None:
            reading.distributor_energy_wh[i] = wh
    reading.energy_exported_wh = values.int("EAIT")
    for quadrant in range(1, 5):
        varh = values.int(f"ERQ{quadrant}")
        if varh is not None:
            reading.reactive_energy_varh[quadrant] = varh

    for phase in (1, 2, 3):
        for target, label in (
            (reading.current_a, f"IRMS{phase}"),
            (reading.voltage_v, f"URMS{phase}"),
            (reading.phase_apparent_power_va, f"SINSTS{phase}"),
        ):
            number = values.int(label)
            if number is not None:
                target[phase] = number
        mean = values.int(f"UMOY{phase}")
        if mean is not None:
            reading.voltage_mean_v[phase] = mean
        for day, suffix in ((TODAY, ""), (YESTERDAY, "-1")):
            smax = values.int(f"SMAXSN{phase}{suffix}")
            if smax is not None:
                reading.phase_apparent_power_max_va[(phase, day)] = smax
    if reading.current_a or reading.voltage_v:
        reading.phases = 3 if any(p > 1 for p in (*reading.current_a, *reading.voltage_v)) else 1

    for direction, letter in ((IMPORT, "S"), (EXPORT, "I")):
        power = values.int(f"SINST{letter}")
        if power is not None:
            reading.apparent_power_va[direction] = power
        for day, suffix in ((TODAY, ""), (YESTERDAY, "-1")):
            smax = values.int(f"SMAX{letter}N{suffix}")
            if smax is not None:
                reading.apparent_power_max_va[(direction, day)] = smax
        for point in ("", "-1"):
            curve = values.int(f"CCA{letter}N{point}")
            if curve is not None:
                reading.load_curve_w[(direction, "n" + point)] = curve

    pref = values.int("PREF")
    if pref is not None:
        reading.reference_power_va = pref * 1000
    pcoup = values.int("PCOUP")
    if pcoup is not None:
        reading.cutoff_power_va = pcoup * 1000

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

    ntarf = values.int("NTARF", low=1, high=10)
    if ntarf is not None:
        if reading.current_supplier_index is not None and reading.current_supplier_index != ntarf:
            # STGE and NTARF disagree: one of them is corrupted; trust neither.
            values.reject("NTARF")
            reading.current_supplier_index = None
        else:
            reading.current_supplier_index = ntarf
            ltarf = values.text("LTARF")
            if ltarf is not None and ltarf.strip():
                reading.supplier_index_names[ntarf] = tidy_text(ltarf)
    relays = values.convert("RELAIS", decode_relais)
    if relays is not None:
        reading.relays = relays
