"""The meter's latest values, each with the wall time it was last read.

Freshness works per sample: a value disappears when it has not been read for
``stale_after`` seconds (``Snapshot.fresh_samples``), and at once when a complete,
clean frame no longer carries it (an over-current warning that ended). A frame
with a dropped group does not make that group's series blink out.
"""

from __future__ import annotations

from collections.abc import Collection
from types import MappingProxyType

from ..metrics.samples import SampleKey, Samples
from .snapshot import Seen


class Values:
    def __init__(self) -> None:
        self._samples: dict[SampleKey, Seen] = {}

    def apply(self, fresh: Samples, now: float, clean: bool) -> None:
        """Record a frame's samples; a ``clean`` frame also ends every value it no longer carries."""
        if clean:
            self._samples = {key: value for key, value in self._samples.items() if key in fresh}
        for key, value in fresh.items():
            self._samples[key] = (value, now)

    def last(self, key: SampleKey) -> float | None:
        seen = self._samples.get(key)
        return None if seen is None else seen[0]

    def of_metrics(self, names: Collection[str]) -> Samples:
        return {key: value for key, (value, _) in self._samples.items() if key[0] in names}

    def drop_metrics(self, names: Collection[str]) -> None:
        self._samples = {key: value for key, value in self._samples.items() if key[0] not in names}

    def clear(self) -> None:
        self._samples.clear()

    def frozen(self) -> MappingProxyType:
        return MappingProxyType(dict(self._samples))
