"""MeterState: one meter's state, written by its reader thread, read by scrapes through ``snapshot``.

One reader thread writes a MeterState; scrapes read its ``snapshot``, an
immutable copy the writer replaces after each change. A scrape therefore never
blocks the reader, and the reader never blocks a scrape.

The jobs are in the modules next to this one: the source's counters
(counters.py), values with their freshness (values.py), the energy registers
with their guards and the active power (energy.py), which meter it is
(identity.py), what a scrape sees (snapshot.py). This module applies a frame to
them, and :meth:`MeterState._start_new_meter` is the one place a change of meter
resets them. What a reading becomes as metrics is samples.py's.
"""

from __future__ import annotations

import logging
import time
from types import MappingProxyType

from ..metrics.catalogue import (
    ACTIVE_POWER_WATTS,
    APPARENT_POWER_VOLT_AMPERES,
    ENERGY_EXPORTED_JOULES_TOTAL,
    ENERGY_IMPORTED_BY_INDEX_JOULES_TOTAL,
    ENERGY_IMPORTED_JOULES_TOTAL,
)
from ..metrics.samples import FIELD_METRICS, POWER_KEYS, Samples, clock_offset_sample, reading_samples
from ..tic.framing import DecoderStats, Frame, FrameResult
from ..tic.reading import Reading
from ..tic.short_frames import BURST_FIELDS, in_burst
from .clock_offset import ClockOffset
from .counters import SourceCounters
from .energy import EnergyBank
from .history import PowerHistory
from .identity import Identity, SerialWatch
from .snapshot import Readout, Seen, Snapshot
from .throttled_log import ThrottledLog
from .today import TodayEnergy
from .values import Values

log = logging.getLogger(__name__)

#: Bytes read between two frames wait for the next frame's publication; only a line
#: that gives bytes but no frame (the wrong speed, noise) publishes them alone, this often.
_BYTES_ONLY_PUBLISH_S = 3.0
_BURST_METRICS = frozenset(FIELD_METRICS[field] for field in BURST_FIELDS)
_IMPORT = "import"
_IMPORT_WATTS = (ACTIVE_POWER_WATTS.name, (_IMPORT,))
_IMPORT_VA = (APPARENT_POWER_VOLT_AMPERES.name, (_IMPORT,))
_EXPORT_VA = (APPARENT_POWER_VOLT_AMPERES.name, ("export",))
#: The counters whose energy since midnight the live page shows.
_DAY_REGISTERS = frozenset(
    spec.name for spec in (ENERGY_IMPORTED_JOULES_TOTAL, ENERGY_IMPORTED_BY_INDEX_JOULES_TOTAL, ENERGY_EXPORTED_JOULES_TOTAL)
)


class MeterState:
    def __init__(self, meter: str, stale_after: float, simulated: bool = False):
        self.meter = meter
        self.stale_after = stale_after
        self.simulated = simulated
        self._counters = SourceCounters()
        self._values = Values()
        self._watch = SerialWatch()
        self._last_frame_at: float | None = None
        self._published_at = 0.0
        self._version = 0
        # What the source repeats at will is logged once a minute at most, across meters too.
        self._serial_log = ThrottledLog(log)
        self._discontinuity_log = ThrottledLog(log)
        self._unknown_label_log = ThrottledLog(log)
        #: The last 24 h of power, one point a minute (the live page's curve); a
        #: replaced meter's power goes on the same curve.
        self.history = PowerHistory()
        self._start_new_meter()
        self.snapshot = self._build_snapshot()

    @property
    def decoder_stats(self) -> DecoderStats:
        """The totals this meter's decoders count into (``FrameDecoder(stats=...)``): the
        served bytes, frames and groups are read from them, never counted twice."""
        return self._counters.decoded

    # -- writer side (the reader thread) -------------------------------------------

    def record_connected(self, connected: bool) -> None:
        self._counters.connected = connected
        self._publish()

    def record_reconnect(self) -> None:
        self._counters.reconnects += 1
        self.reset_power()
        self._publish()

    def record_mode_detected(self, mode: str) -> None:
        self._counters.mode_detections[mode] += 1
        self.reset_power()
        self._publish()

    def record_chunk(self, frames: list[tuple[Frame, Reading | None]], clock: float, now: float | None = None) -> None:
        """Apply the readings of a chunk's valid frames (decoded by a decoder counting into
        ``decoder_stats``), and publish what changed.

        ``clock`` is the source's time in seconds (wall, simulated, or time on
        the wire for a fast replay): the index guard measures elapsed time with it.
        """
        now = time.time() if now is None else now
        if not frames:
            # Bytes alone are published at most every _BYTES_ONLY_PUBLISH_S (this is the
            # reader's hot path): while frames flow, each frame publishes them.
            if self._counters.decoded.bytes != self.snapshot.bytes and now - self._published_at >= _BYTES_ONLY_PUBLISH_S:
                self._publish(now)
            return
        for frame, reading in frames:
            if frame.result is FrameResult.VALID and reading is not None:
                self._counters.count_rejected(reading)
                self._apply(reading, frame, clock, now)
        self._publish(now)

    def reset_power(self) -> None:
        """Forget the active-power estimates: their steps must not span a reconnection,
        a silence, a mode switch or a change of meter."""
        self._bank.power.reset()
        self._values.drop(POWER_KEYS)
        self._active_power = None

    def flush(self) -> None:
        """Publish everything now (the source has ended)."""
        self._publish()

    def _start_new_meter(self) -> None:
        """Forget everything about the previous meter, at once: the one place per-meter state is reset.

        Index guards, values (and so their freshness), identity, tariff names,
        the cut-off power, the clock offset and the active-power estimates all
        belong to the meter; the exporter's own counters
        (frames, groups, bytes, reconnects) belong to the source and go on.
        """
        self._bank = EnergyBank()
        self._today = TodayEnergy(_DAY_REGISTERS)
        self._values.clear()
        self._identity = Identity(self.meter, self._unknown_label_log)
        self._clock_offset = ClockOffset()
        self._short_frame_at = float("-inf")
        self._apparent_power: Seen | None = None
        self.reset_power()

    def _apply(self, reading: Reading, frame: Frame, clock: float, now: float) -> None:
        before = self._watch.serial
        use, new_serial = self._watch.judge(reading)
        if new_serial is not None:
            self._serial_log.log(
                logging.WARNING,
                "meter %s: serial changed from %s to %s: the meter was replaced or the dongle moved to another meter; "
                "its energy series start afresh under serial=%s",
                self.meter, before or "(none)", new_serial, new_serial,
            )
            self._start_new_meter()
        if not use:
            return
        if self._last_frame_at is not None and now - self._last_frame_at > self.stale_after:
            self.reset_power()
        self._last_frame_at = now
        self._identity.learn(reading)
        fresh = reading_samples(reading)
        if reading.meter_time is not None:
            fresh.update(clock_offset_sample(self._clock_offset.update(reading.meter_time.timestamp(), now)))
        energy = self._apply_energy(reading, clock)
        fresh.update(energy)
        self._hold_burst_values(reading, now, fresh)
        clean = not reading.short_frame and not (frame.groups_bad_checksum or frame.groups_malformed or reading.rejected)
        self._values.apply(fresh, now, clean)
        self._update_readout(reading, now, clean, fresh)
        self._today.update(now, energy)
        self.history.record(now, fresh.get(_IMPORT_VA), fresh.get(_EXPORT_VA), fresh.get(_IMPORT_WATTS))
        self._identity.learn_names(reading)

    def _apply_energy(self, reading: Reading, clock: float) -> Samples:
        before = self._bank.rejected
        fresh = self._bank.apply(reading, self._watch.serial, self._identity.phases, clock, self._values.last)
        self._counters.guard_rejected += self._bank.rejected - before
        if self._bank.discontinuities:
            self._log_discontinuities()
        if fresh is None:
            return {}
        self._values.drop(POWER_KEYS)
        return fresh

    def _log_discontinuities(self) -> None:
        """A line for a register whose source rewound or jumped (one a minute at most per meter)."""
        found, self._bank.discontinuities = self._bank.discontinuities, []
        for (name, labels), accepted, refused in found:
            self._discontinuity_log.log(
                logging.WARNING,
                "meter %s: %s%s went from %d to %d under the same serial: a meter's index never goes back nor "
                "grows faster than its power allows, so the new values are refused and the last good one stays "
                "(restart the exporter if the meter's indexes really restarted)",
                self.meter, name, "".join(f" {label}" for label in labels[1:]), accepted, refused,
            )

    def _hold_burst_values(self, reading: Reading, now: float, fresh: Samples) -> None:
        """Inside an over-current burst, what only the short frames say holds (tic/short_frames.py)."""
        if reading.short_frame:
            self._short_frame_at = now
        elif in_burst(reading.short_frame, self._short_frame_at, now):
            for name in _BURST_METRICS:
                for key in [key for key in fresh if key[0] == name]:
                    del fresh[key]
            fresh.update(self._values.of_metrics(_BURST_METRICS))

    def _update_readout(self, reading: Reading, now: float, clean: bool, fresh: Samples) -> None:
        va = reading.apparent_power_va.get(_IMPORT)
        if va is not None:
            self._apparent_power = (float(va), now)
        elif clean:
            self._apparent_power = None  # a complete frame without it: it has ended
        watts = fresh.get(_IMPORT_WATTS)  # the estimate the bank just published for this frame
        self._active_power = None if watts is None else (watts, now)

    def _publish(self, now: float | None = None) -> None:
        self._published_at = time.time() if now is None else now
        self._version += 1
        self.snapshot = self._build_snapshot()

    def _build_snapshot(self) -> Snapshot:
        counters = self._counters
        return Snapshot(
            version=self._version,
            meter=self.meter,
            simulated=self.simulated,
            stale_after=self.stale_after,
            samples=self._values.frozen(),
            identity=MappingProxyType(dict(self._identity.labels)),
            tariff_names=MappingProxyType(dict(self._identity.tariff_names)),
            frames=MappingProxyType(counters.frames()),
            groups=MappingProxyType(counters.groups()),
            mode_detections=MappingProxyType(dict(counters.mode_detections)),
            bytes=counters.decoded.bytes,
            reconnects=counters.reconnects,
            connected=counters.connected,
            last_frame_at=self._last_frame_at,
            readout=Readout(self._apparent_power, self._active_power),
            today=self._today.today(),
        )
