"""The meter's latest values, each with the wall time it was last read.

Freshness works per sample: a value disappears when it has not been read for
``stale_after`` seconds (``Snapshot.fresh_samples``), and at once when a complete,
clean frame no longer carries it (an over-current warning that ended). A frame
with a dropped group does not make that group's series blink out.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import repeat
from types import MappingProxyType

from ..metrics.samples import SampleKey, Samples
from .snapshot import Seen


class Values:
    def __init__(self) -> None:
        self._samples: dict[SampleKey, Seen] = {}

    def apply(self, fresh: Samples, now: float, clean: bool) -> None:
        """Record a frame's samples; a ``clean`` frame also ends every value it no longer carries."""
        samples = self._samples
        if clean:
            for key in samples.keys() - fresh.keys():  # values the frame no longer carries
                del samples[key]
        samples.update(zip(fresh, zip(fresh.values(), repeat(now))))  # C loops: the reader's hot path

    def last(self, key: SampleKey) -> float | None:
        seen = self._samples.get(key)
        return None if seen is None else seen[0]

    def of_metrics(self, names: Collection[str]) -> Samples:
        return {key: value for key, (value, _) in self._samples.items() if key[0] in names}

    def drop(self, keys: Collection[SampleKey]) -> None:
        for key in keys:
            self._samples.pop(key, None)

    def clear(self) -> None:
        self._samples.clear()

    def frozen(self) -> MappingProxyType:
        return MappingProxyType(dict(self._samples))
