"""Per-meter state, split by job; see state.py for how the parts fit together."""

from .identity import SERIAL_CONFIRMATIONS
from .snapshot import Prices, Readout, Snapshot
from .state import MeterState

__all__ = ["MeterState", "Prices", "Readout", "SERIAL_CONFIRMATIONS", "Snapshot"]
