"""A simulated Linky meter: exact TIC frames from a simulated household.

Entry points:

* :func:`parse_url` — ``simulated://standard?contract=tempo&speed=60`` → :class:`SimulatorConfig`
* :class:`SimulatedSerial` — a pyserial-like port streaming the simulated meter
* :func:`generate` — a capture's bytes, without pacing
* :class:`SimulatedMeter` / :class:`Transmitter` — the meter's state and ground truth
"""

from .config import SimulatorConfig
from .line import SimulatedSerial, generate
from .measures import Truth
from .meter import SimulatedMeter
from .transmitter import Emission, Transmitter
from .url import is_simulated_url, parse_url

__all__ = [
    "Emission",
    "SimulatedMeter",
    "SimulatedSerial",
    "SimulatorConfig",
    "Transmitter",
    "Truth",
    "generate",
    "is_simulated_url",
    "parse_url",
]
