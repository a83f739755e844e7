"""What the ledger's energy costs under one contract: kWh per price class times its price,
plus the subscription for the days covered.

Each slot's energy is classed by the meter's own index where the meter was on that
contract, by time elsewhere (contracts.py). Energy that cannot be classed (a day
without a Tempo colour) is counted apart and the contract's total is then incomplete:
it is shown, never ranked against complete ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from .contracts import CLASSES, INDEX_CLASSES, NAMES
from .ledger import MISSING, SPREAD, Slot
from .localtime import day_of, tempo_day_of
from .prices import ContractPrices

WH_PER_KWH = 1000.0


@dataclass(frozen=True)
class ContractCost:
    kind: str
    kwh: dict[str, float]  # price class -> kWh
    energy_eur: float
    subscription_eur: float | None  # None: no subscription price for the subscribed power
    subscription_kva: int | None
    days: float  # days of subscription counted
    by_index_kwh: float  # classed by the meter's own index (the meter was on this contract)
    spread_kwh: float  # classed by time inside a data gap: the time is an estimate
    unpriced_kwh: float  # no class could be given (days without a Tempo colour)
    unpriced_days: tuple[date, ...]

    @property
    def name(self) -> str:
        return NAMES[self.kind]

    @property
    def complete(self) -> bool:
        return self.unpriced_kwh == 0 and self.subscription_eur is not None

    @property
    def total_eur(self) -> float | None:
        return None if self.subscription_eur is None else self.energy_eur + self.subscription_eur


def price_contract(kind: str, slots: Sequence[Slot], meter_kinds: Sequence[str | None],
                   class_at: Callable[[int], str | None] | None, prices: ContractPrices,
                   subscribed_kva: int | None, days: float, by_index: bool = True) -> ContractCost | None:
    """The cost of ``slots`` under ``kind``; None when it can be classed neither by index nor by time.

    ``meter_kinds[i]`` is the meter's own contract during ``slots[i]``; ``by_index`` False
    classes everything by time (an HC meter priced with other off-peak hours)."""
    kwh = dict.fromkeys(CLASSES[kind], 0.0)
    index_classes = INDEX_CLASSES[kind]
    by_index_wh = spread_wh = unpriced_wh = 0.0
    unpriced_days: set[date] = set()
    classed = False
    for slot, meter_kind in zip(slots, meter_kinds):
        if slot.state == MISSING or not slot.wh:
            continue
        if by_index and meter_kind == kind:
            classed = True
            for index, wh in slot.wh.items():
                name = index_classes.get(index)
                if name is None:
                    unpriced_wh += wh
                    unpriced_days.add(day_of(slot.start))
                else:
                    kwh[name] += wh / WH_PER_KWH
                by_index_wh += wh
            continue
        if class_at is None:
            continue
        classed = True
        name = class_at(slot.start)
        total = slot.total_wh
        if name is None:
            unpriced_wh += total
            unpriced_days.add(tempo_day_of(slot.start) if kind == "tempo" else day_of(slot.start))
            continue
        kwh[name] += total / WH_PER_KWH
        if slot.state == SPREAD:
            spread_wh += total
    if not classed:
        return None
    energy = sum(kwh[name] * prices.per_kwh[name] for name in kwh)
    per_day = prices.subscription_per_day.get(subscribed_kva) if subscribed_kva else None
    return ContractCost(
        kind, kwh, energy, None if per_day is None else per_day * days, subscribed_kva, days,
        by_index_wh / WH_PER_KWH, spread_wh / WH_PER_KWH, unpriced_wh / WH_PER_KWH, tuple(sorted(unpriced_days)),
    )  # fmt: skip


def ranked(costs: Sequence[ContractCost]) -> list[ContractCost]:
    """Complete contracts cheapest first, then the incomplete ones."""
    complete = sorted((c for c in costs if c.complete), key=lambda c: c.total_eur)
    return complete + [c for c in costs if not c.complete]
