"""The consumption ledger: energy per supplier index in each slot of the period.

Slots are half-hours, split further at any minute where a contract's class changes
(an off-peak schedule at 23:06). The energy of a slot is the difference of the
registers read at its two edges (the last sample at or before each edge), per series,
so that consecutive slots add up exactly to the register's progress and a replaced
meter adds no phantom energy (each serial's series counts from its own first reading
to its last, as the recording rules do).

A slot whose edges fall in a data gap cannot be measured on its own. The registers on
either side of the gap still give the energy of the whole stretch, per index: it is
spread over the stretch's slots in proportion to their length and marked ``spread``,
so that no energy is lost and every figure that used it can say so. Slots before the
first reading or after the last are ``missing``: the store holds nothing for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .gaps import Gap

MEASURED, SPREAD, MISSING = "measured", "spread", "missing"


@dataclass(frozen=True)
class SeriesReadings:
    """One register series (one serial, one index): its value at the grid's edges."""

    key: int  # supplier index (1-10); 0 for the exported-energy register
    values: Mapping[int, float]  # edge (Unix s) -> Wh
    #: (edge closing the slot that holds the series' first sample, that sample), if it begins in the period
    first: tuple[int, float] | None = None
    #: (edge closing the slot that holds its last sample, that sample), if it ends in the period
    last: tuple[int, float] | None = None


@dataclass
class Slot:
    start: int
    end: int
    wh: dict[int, float] = field(default_factory=dict)  # supplier index -> Wh drawn
    export_wh: float = 0.0
    state: str = MEASURED

    @property
    def total_wh(self) -> float:
        return sum(self.wh.values())


def valid_edges(edges: list[int], series: Iterable[SeriesReadings], gaps: Iterable[Gap]) -> list[int]:
    """Edges read outside any gap, where some series has a value."""
    read = {edge for s in series for edge in s.values}
    spans = [(gap.start, gap.end) for gap in gaps]
    return [edge for edge in edges if edge in read and not any(a < edge < b for a, b in spans)]


def _delta(series: SeriesReadings, begin: int, end: int) -> float:
    """What the series counted between two valid edges."""
    values = series.values
    first = series.first if series.first and begin < series.first[0] <= end else None
    last = series.last if series.last and begin < series.last[0] <= end else None
    start_value = values.get(begin, first[1] if first else None)
    end_value = values.get(end, last[1] if last else None)
    if start_value is None or end_value is None:
        return 0.0
    return max(0.0, end_value - start_value)  # a register that went back counts nothing, as the rules do


def build_ledger(edges: list[int], imported: list[SeriesReadings], exported: list[SeriesReadings],
                 gaps: list[Gap]) -> list[Slot]:
    """One slot per pair of consecutive ``edges`` (sorted Unix seconds)."""
    valid = valid_edges(edges, imported, gaps)
    slots = [Slot(a, b) for a, b in zip(edges, edges[1:])]
    if len(valid) < 2:
        for slot in slots:
            slot.state = MISSING
        return slots
    position = {edge: i for i, edge in enumerate(edges)}
    for slot in slots[: position[valid[0]]] + slots[position[valid[-1]]:]:
        slot.state = MISSING
    for begin, end in zip(valid, valid[1:]):
        stretch = slots[position[begin]: position[end]]
        wh: dict[int, float] = {}
        for series in imported:
            delta = _delta(series, begin, end)
            if delta:
                wh[series.key] = wh.get(series.key, 0.0) + delta
        export = sum(_delta(series, begin, end) for series in exported)
        length = end - begin
        for slot in stretch:
            share = (slot.end - slot.start) / length
            slot.wh = {index: value * share for index, value in wh.items()} if len(stretch) > 1 else wh
            slot.export_wh = export * share
            if len(stretch) > 1:
                slot.state = SPREAD
    return slots
