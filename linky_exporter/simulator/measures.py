"""What the simulated meter measures (a tick's Sample, a dated Peak) and the ground truth it exposes."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from .clock import LocalTime
from .contracts import TariffState


class Sample(NamedTuple):
    """What the meter measures during one tick."""

    tick_ms: int
    local: LocalTime
    tariff: TariffState
    import_w: int
    import_va: int
    export_w: int
    export_va: int
    phase_import_va: tuple[int, ...]  # SINSTS1-3 (0 on a phase that injects)
    voltages: tuple[float, ...]
    currents: tuple[float, ...]
    reactive_var: int


class Peak(NamedTuple):
    va: int
    at_ms: int  # when it was reached


@dataclass(frozen=True)
class Truth:
    """Ground truth at the meter's current instant, for tests and demos."""

    time_ms: int
    supplier_wh: dict[int, Fraction]  # exact energy per supplier index, initial value included
    distributor_wh: dict[int, Fraction]
    imported_wh: Fraction  # sum of supplier_wh
    exported_wh: Fraction
    import_w: int
    import_va: int
    export_w: int
    export_va: int
    phase_import_va: tuple[int, ...]
    voltages: tuple[float, ...]
    currents: tuple[float, ...]
    tariff: TariffState
