"""One Reading model for both modes: what a frame says, in units and names.

Everything is optional: a field is None (or an empty dict) when the frame did
not carry it, so a historique three-phase short frame yields a Reading that
updates only what it carries. :mod:`.interpret` fills it from a frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .address import MeterAddress
from .frame import Mode
from .stge import StatusRegister, TempoColor


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
