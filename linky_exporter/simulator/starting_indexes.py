"""The indexes a simulated meter shows when the simulation starts: a few years of use, drawn from the seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .config import SimulatorConfig

# Lifetime split of the energy over supplier indexes, by contract.
_SHARES = {
    "base": (1.0,),
    "hc": (0.42, 0.58),
    "ejp": (0.95, 0.05),
    "tempo": (0.30, 0.45, 0.06, 0.08, 0.05, 0.06),
}
_REACTIVE_SHARES = (0.25, 0.02, 0.01, 0.07)  # of the imported energy, quadrants 1-4


@dataclass(frozen=True)
class StartingIndexes:
    supplier_wh: dict[int, int]  # EASF01-10
    distributor_wh: dict[int, int]  # EASD01-04, summing to the supplier indexes
    export_wh: int  # EAIT (0 but for a producer)
    reactive_varh: dict[int, int]  # ERQ1-4


def starting_indexes(config: SimulatorConfig, fresh: bool = False) -> StartingIndexes:
    """The seed's starting indexes; all 0 for a ``fresh`` meter (just installed)."""
    rng = random.Random(config.seed ^ 0xC0FFEE)
    lifetime_wh = rng.uniform(1.5, 6.0) * rng.uniform(3500, 9000) * 1000
    supplier = dict.fromkeys(range(1, 11), 0)
    for i, share in enumerate(_SHARES[config.contract], start=1):
        supplier[i] = round(lifetime_wh * share * rng.uniform(0.9, 1.1))
    total = sum(supplier.values())
    high = rng.uniform(0.55, 0.7)  # share of the high season (November-March)
    offpeak = rng.uniform(0.3, 0.45)
    shares = (high * offpeak, high * (1 - offpeak), (1 - high) * offpeak, (1 - high) * (1 - offpeak))
    distributor = {i: round(total * s) for i, s in zip(range(1, 5), shares)}
    distributor[4] = total - sum(distributor[i] for i in (1, 2, 3))
    export = round(rng.uniform(2000, 15000) * 1000) if config.producer else 0
    reactive = {q: round(total * s) for q, s in zip(range(1, 5), _REACTIVE_SHARES)}
    if fresh:
        return StartingIndexes(dict.fromkeys(supplier, 0), dict.fromkeys(distributor, 0), 0, dict.fromkeys(reactive, 0))
    return StartingIndexes(supplier, distributor, export, reactive)
