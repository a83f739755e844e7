"""Per-meter state, split by job; see state.py for how the parts fit together."""

from .identity import SERIAL_CONFIRMATIONS
from .snapshot import Readout, Snapshot
from .state import MeterState

__all__ = ["MeterState", "Readout", "SERIAL_CONFIRMATIONS", "Snapshot"]
