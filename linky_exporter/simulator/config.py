"""The simulated meter's configuration: what ``simulated://`` URLs parse into.

Each option's value was checked when its text was read (:mod:`.options`); this
model checks what options mean together.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from ..tic.framing import Mode
from .clock import PARIS
from .options import CONTRACTS
from .scenarios import Scenarios

__all__ = ["CONTRACTS", "DEFAULT_OFFPEAK", "SimulatorConfig"]
DEFAULT_OFFPEAK = ((22 * 3600, 6 * 3600),)  # 22:00-06:00, seconds of the local day


@dataclass(frozen=True)
class SimulatorConfig:
    mode: Mode = Mode.STANDARD
    phases: Literal[1, 3] = 1
    contract: Literal["base", "hc", "ejp", "tempo"] = "base"
    producer: bool = False
    seed: int = 1
    speed: float = 1.0  # simulated seconds per real second
    start: datetime | None = None  # aware; None: "now" when the line opens
    offpeak: tuple[tuple[int, int], ...] = DEFAULT_OFFPEAK  # HC/HP off-peak ranges
    pref_kva: int | None = None  # None: 9 kVA single-phase, 12 kVA three-phase
    scenarios: Scenarios = field(default_factory=Scenarios)

    def __post_init__(self) -> None:
        if self.mode is Mode.STANDARD and self.producer and "mode_switch" in self.scenarios:
            raise ValueError("scenario: mode_switch would move a producer to historique, which has no producer labels")
        if "tempo_red" in self.scenarios and self.contract != "tempo":
            raise ValueError("scenario: tempo_red needs contract=tempo")
        if "ejp_notice" in self.scenarios and self.contract != "ejp":
            raise ValueError("scenario: ejp_notice needs contract=ejp")
        if "meter_swap" in self.scenarios and self.swap_seed % 10000 == self.seed % 10000:
            raise ValueError("swap_seed: gives the same serial as seed (serials differ by the seed modulo 10000)")
        if self.producer and self.mode is Mode.HISTORIQUE and "mode_switch" not in self.scenarios:
            raise ValueError("producer: historique mode has no producer labels; use simulated://standard")

    @property
    def tick_ms(self) -> int:
        """How often the simulated meter measures power, in simulated milliseconds.

        One second, like a meter; ten seconds when the simulation runs 30 times
        faster than real time or more, where frames are half a minute or more of
        simulated time apart and a finer step would only cost time.
        """
        return 1000 if self.speed < 30 else 10_000

    @property
    def swap_seed(self) -> int:
        """The seed of the meter that replaces this one in the meter_swap scenario."""
        seed = self.scenarios.swap_seed
        return self.seed + 1 if seed is None else seed

    @property
    def reference_kva(self) -> int:
        return self.pref_kva or (9 if self.phases == 1 else 12)

    @property
    def subscribed_amperes(self) -> int:
        """Historique ISOUSC: the reference power at 200 V, per phase on three-phase."""
        return max(1, min(99, round(self.reference_kva * 1000 / 200 / self.phases)))

    def started(self, now: datetime | None = None) -> SimulatorConfig:
        """This configuration with a definite start (``now``, to the second, if unset)."""
        if self.start is not None:
            return self
        moment = (now or datetime.now(PARIS)).astimezone(PARIS).replace(microsecond=0)
        return replace(self, start=moment)
