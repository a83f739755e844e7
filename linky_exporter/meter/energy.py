"""The meter's energy registers behind their index guards, and the active power their steps give.

Each register (total, per index, reactive) has its own IndexGuard (tic/index_guard.py):
a value is exposed only once confirmed, and the last confirmed value stays alive while
newer ones are doubted. The guards of the import and export totals feed the active-power
estimator (active_power.py) with their confirmed steps.
"""

from __future__ import annotations

from collections.abc import Callable

from ..metrics.samples import Register, SampleKey, Samples, energy_registers, power_samples
from ..tic.index_guard import IndexGuard
from ..tic.reading import Reading
from .active_power import MeterPower

# Without PCOUP (historique), the most a Linky can draw: 90 A mono, 3 x 60 A tri, at 240 V.
_FALLBACK_MAX_VA = {1: 90 * 240.0, 3: 3 * 60 * 240.0, None: 3 * 60 * 240.0}


class EnergyBank:
    """One meter's registers; a new meter gets a new bank (``MeterState._start_new_meter``)."""

    def __init__(self) -> None:
        self._guards: dict[SampleKey, IndexGuard] = {}
        self._max_va: float | None = None
        self.power = MeterPower()
        self.rejected = 0  # values refused by the guards, as counted in groups (historique's derived total aside)
        #: (register, accepted Wh, refused Wh) of each register whose source rewound or
        #: jumped since the caller last emptied the list (IndexGuard.discontinuity).
        self.discontinuities: list[tuple[SampleKey, int, int]] = []

    def apply(
        self, reading: Reading, serial: str | None, phases: int | None, clock: float, last: Callable[[SampleKey], float | None]
    ) -> Samples | None:
        """The registers' samples and the active-power estimates after ``reading``.

        ``clock`` is the source's time (the guards measure elapsed time with it), ``last``
        gives a register's last exposed value. None while the meter's serial is unknown:
        no register is exposed before the meter it belongs to is known.
        """
        if reading.cutoff_power_va:
            self._max_va = float(reading.cutoff_power_va)
        max_va = self._max_va or _FALLBACK_MAX_VA.get(phases, _FALLBACK_MAX_VA[None])
        if serial is None:
            return None
        fresh: Samples = {}
        for register in energy_registers(reading, serial):
            self._apply_register(register, reading, clock, max_va, last, fresh)
        # Recomputed every frame: an estimate that ends (reset, rejected value) disappears at once.
        fresh.update(power_samples(self.power.estimates()))
        return fresh

    def _apply_register(
        self, register: Register, reading: Reading, clock: float, max_va: float, last: Callable, fresh: Samples
    ) -> None:
        guard = self._guards.get(register.key)
        if guard is None:
            guard = self._guards[register.key] = IndexGuard()
        before = guard.rejected
        confirmed = guard.update(register.raw, clock, max_va)
        if guard.discontinuity is not None:
            self.discontinuities.append((register.key, *guard.discontinuity))
            guard.discontinuity = None
        if not register.derived:  # a derived total's index groups are already counted
            self.rejected += guard.rejected - before
        if confirmed is not None:
            fresh[register.key] = confirmed * register.scale
        elif (kept := last(register.key)) is not None:
            fresh[register.key] = kept  # keep the last confirmed value alive
        if register.direction is not None:
            point = (guard.accepted.at, guard.accepted.wh) if guard.accepted else None
            va = reading.apparent_power_va.get(register.direction)
            self.power.observe(register.direction, clock, va, point, guard.rejected > before)
