"""Per-meter state: the latest values, their freshness, the index guards and the counters.

One reader thread writes a MeterState; scrapes read its ``snapshot``, an
immutable copy the writer replaces after each change. A scrape therefore never
blocks the reader, and the reader never blocks a scrape.

Freshness works per sample: a value disappears when it has not been read for
``stale_after`` seconds, and at once when a complete, clean frame no longer
carries it (an over-current warning that ended). A frame with a dropped group
does not make that group's series blink out, and a historique three-phase short
frame updates only what it carries.

Which physical meter: every series whose value is one of the meter's registers
(energy, per-index energy, reactive energy) carries the meter's ``serial``
(ADCO/ADSC), so a replaced meter, or a dongle moved to another meter, begins
new series instead of making its index look like consumption (docs/metrics.md).
A new serial is believed once ``SERIAL_CONFIRMATIONS`` consecutive valid frames
carry it (one corrupted frame whose checksums still pass must not switch
meters); then one warning is logged and :meth:`MeterState._start_new_meter`
forgets everything about the previous meter at once.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from .active_power import ACTIVE_POWER, POWER_FACTOR, MeterPower
from .clock_offset import ClockOffset
from .samples import SampleKey, reading_samples
from .tic.framing import Frame, FrameResult, Mode
from .tic.index_guard import IndexGuard
from .tic.reading import Reading

log = logging.getLogger(__name__)

_IMPORTED_TOTAL = "linky_energy_imported_joules_total"
_POWER_DIRECTIONS = {_IMPORTED_TOTAL: "import", "linky_energy_exported_joules_total": "export"}
#: Consecutive valid frames that must carry a new serial before it is believed.
SERIAL_CONFIRMATIONS = 2
#: Valid frames without a readable serial after which the meter is taken to have none.
_FRAMES_WITHOUT_SERIAL = 3
_BYTES_ONLY_PUBLISH_S = 1.0
# Historique three-phase over-current bursts: 20 short frames (about 0.7 s each)
# then one long frame, until a minute after the over-current.
_SHORT_FRAME_HOLD_S = 10.0
_SHORT_FRAME_METRICS = frozenset({"linky_overcurrent_warning_amperes", "linky_reference_power_exceeded"})
# Without PCOUP (historique), the most a Linky can draw: 90 A mono, 3 x 60 A tri, at 240 V.
_FALLBACK_MAX_VA = {1: 90 * 240.0, 3: 3 * 60 * 240.0, None: 3 * 60 * 240.0}


@dataclass(frozen=True)
class Prices:
    """Tariff prices configured by the user for one meter, exposed as gauges."""

    per_kwh: Mapping[int, float] = field(default_factory=dict)  # supplier index -> EUR/kWh
    subscription_per_day: float | None = None


@dataclass(frozen=True)
class Snapshot:
    version: int  # grows with every publication (an object's id() can be reused)
    meter: str
    simulated: bool
    stale_after: float
    samples: Mapping[SampleKey, tuple[float, float]]  # key -> (value, wall time last read)
    identity: Mapping[str, str]
    tariff_names: Mapping[tuple[str, str], str]  # (register, index) -> name
    frames: Mapping[str, int]
    groups: Mapping[str, int]
    mode_detections: Mapping[str, int]
    bytes: int
    reconnects: int
    connected: bool
    last_frame_at: float | None
    prices: Prices

    def up(self, now: float) -> bool:
        return self.last_frame_at is not None and now - self.last_frame_at <= self.stale_after

    def next_change(self, now: float) -> float:
        """When what this snapshot exposes changes without a new snapshot: the next staleness."""
        if not self.up(now):
            return float("inf")
        limit = now - self.stale_after
        seen = min((seen for _, seen in self.samples.values() if seen >= limit), default=float("inf"))
        return min(self.last_frame_at, seen) + self.stale_after  # type: ignore[operator]

    def fresh_samples(self, now: float) -> dict[SampleKey, float]:
        """Measurements to expose now: none at all while the meter is down."""
        if not self.up(now):
            return {}
        limit = now - self.stale_after
        return {key: value for key, (value, seen) in self.samples.items() if seen >= limit}


class MeterState:
    def __init__(self, meter: str, stale_after: float, simulated: bool = False, prices: Prices | None = None):
        self.meter = meter
        self.stale_after = stale_after
        self.simulated = simulated
        self.prices = prices or Prices()
        self._samples: dict[SampleKey, tuple[float, float]] = {}
        self._identity: dict[str, str] = {}
        self._tariff_names: dict[tuple[str, str], str] = {}
        self._guards: dict[SampleKey, IndexGuard] = {}
        self._frames: Counter[str] = Counter({result.value: 0 for result in FrameResult})
        self._groups: Counter[str] = Counter(valid=0, checksum_error=0, malformed=0, rejected_value=0)
        self._mode_detections: Counter[str] = Counter()
        self._unknown_seen: set[str] = set()
        self._bytes = 0
        self._reconnects = 0
        self._connected = False
        self._last_frame_at: float | None = None
        self._clock_offset = ClockOffset()
        self._max_va: float | None = None
        self._phases: int | None = None
        self._published_at = 0.0
        self._version = 0
        self._short_frame_at = float("-inf")
        self._power = MeterPower()  # active power from the registers' steps (active_power.py)
        self._serial: str | None = None  # the meter the per-meter state below belongs to
        self._new_serial: tuple[str, int] | None = None  # (serial, consecutive frames) not believed yet
        self._frames_without_serial = 0
        self.snapshot = self._build_snapshot()

    # -- writer side (the reader thread) -------------------------------------------

    def record_connected(self, connected: bool) -> None:
        self._connected = connected
        self._publish()

    def record_reconnect(self) -> None:
        self._reconnects += 1
        self.reset_power()
        self._publish()

    def record_mode_detected(self, mode: str) -> None:
        self._mode_detections[mode] += 1
        self.reset_power()
        self._publish()

    def record_chunk(
        self, size: int, frames: list[tuple[Frame, Reading | None]], clock: float, now: float | None = None
    ) -> None:
        """Count a chunk of ``size`` bytes and its frames; apply the readings of valid ones.

        ``clock`` is the source's time in seconds (wall, simulated, or time on
        the wire for a fast replay): the index guard measures elapsed time with it.
        """
        now = time.time() if now is None else now
        self._bytes += size
        if not frames:
            # Bytes alone are published at most once a second (this is the reader's
            # hot path); the reader's idle reads publish the rest after that second.
            if self._bytes != self.snapshot.bytes and now - self._published_at >= _BYTES_ONLY_PUBLISH_S:
                self._publish()
            return
        for frame, reading in frames:
            self._frames[frame.result.value] += 1
            rejected = len(reading.rejected) if reading is not None else 0
            self._groups["valid"] += frame.groups_valid - rejected
            self._groups["checksum_error"] += frame.groups_bad_checksum
            self._groups["malformed"] += frame.groups_malformed
            self._groups["rejected_value"] += rejected
            if frame.result is FrameResult.VALID and reading is not None:
                self._apply(reading, frame, clock, now)
        self._publish()

    def reset_power(self) -> None:
        """Forget the active-power estimates: their steps must not span a reconnection,
        a silence, a mode switch or a change of meter."""
        self._power.reset()
        self._drop_power_samples()

    def _drop_power_samples(self) -> None:
        estimates = (ACTIVE_POWER, POWER_FACTOR)
        self._samples = {key: value for key, value in self._samples.items() if key[0] not in estimates}

    def flush(self) -> None:
        """Publish everything now (the source has ended)."""
        self._publish()

    def _same_meter(self, reading: Reading) -> bool:
        """Whether ``reading`` comes from the meter the state describes; switch meters once sure.

        A frame without a serial (its ADCO/ADSC group dropped) is taken to come from
        the meter already known. A frame from a serial not believed yet is left out.
        """
        serial = reading.serial
        if serial is None:
            if self._new_serial is not None:
                return False  # from which meter? Neither would be safe to feed.
            if self._serial is None:
                # A meter whose serial never reads (an anonymised capture): serial="".
                self._frames_without_serial += 1
                if self._frames_without_serial >= _FRAMES_WITHOUT_SERIAL:
                    self._serial = ""
            return True
        if serial == self._serial:
            self._new_serial = None
            return True
        if self._serial is None:
            self._serial = serial
            return True
        count = self._new_serial[1] + 1 if self._new_serial and self._new_serial[0] == serial else 1
        if count < SERIAL_CONFIRMATIONS:
            self._new_serial = (serial, count)
            return False
        log.warning(
            "meter %s: serial changed from %s to %s: the meter was replaced or the dongle moved to another meter; "
            "its energy series start afresh under serial=%s",
            self.meter, self._serial or "(none)", serial, serial,
        )
        self._start_new_meter(serial)
        return True

    def _start_new_meter(self, serial: str) -> None:
        """Forget everything about the previous meter, at once: the one place per-meter state is reset.

        Index guards, values (and so their freshness), identity, tariff names,
        the cut-off power, the clock offset and the active-power estimates all
        belong to the meter; the exporter's own counters
        (frames, groups, bytes, reconnects) belong to the source and go on.
        """
        self._serial = serial
        self._new_serial = None
        self._guards.clear()
        self._samples.clear()
        self._identity.clear()
        self._tariff_names.clear()
        self._unknown_seen.clear()
        self._max_va = None
        self._phases = None
        self._short_frame_at = float("-inf")
        self._clock_offset = ClockOffset()
        self.reset_power()

    def _apply(self, reading: Reading, frame: Frame, clock: float, now: float) -> None:
        if not self._same_meter(reading):
            return
        if self._last_frame_at is not None and now - self._last_frame_at > self.stale_after:
            self.reset_power()
        self._last_frame_at = now
        self._learn_identity(reading)
        fresh = reading_samples(reading)
        if reading.meter_time is not None:
            offset = self._clock_offset.update(reading.meter_time.timestamp(), now)
            fresh[("linky_meter_clock_offset_seconds", ())] = offset
        self._apply_energy(reading, clock, now, fresh)
        clean = not reading.short_frame and not (
            frame.groups_bad_checksum or frame.groups_malformed or reading.rejected
        )
        if reading.short_frame:
            self._short_frame_at = now
        elif now - self._short_frame_at <= _SHORT_FRAME_HOLD_S:
            # A long frame inside an over-current burst (20 short, 1 long) carries
            # no ADIR: it must not clear what the short frames around it say.
            fresh.pop(("linky_reference_power_exceeded", ()), None)
            fresh.update({key: value for key, (value, _) in self._samples.items() if key[0] in _SHORT_FRAME_METRICS})
        if clean:
            # Everything the meter sends was in this frame: what is missing has ended.
            self._samples = {key: value for key, value in self._samples.items() if key in fresh}
        for key, value in fresh.items():
            self._samples[key] = (value, now)
        for index, name in reading.supplier_index_names.items():
            self._tariff_names[("supplier", str(index))] = name
        for label in reading.unknown.keys() - self._unknown_seen:
            self._unknown_seen.add(label)
            log.info("meter %s sends label %s, unknown to this exporter: kept out of the metrics", self.meter, label)

    def _apply_energy(self, reading: Reading, clock: float, now: float, fresh: dict[SampleKey, float]) -> None:
        if reading.cutoff_power_va:
            self._max_va = float(reading.cutoff_power_va)
        max_va = self._max_va or _FALLBACK_MAX_VA.get(self._phases, _FALLBACK_MAX_VA[None])
        serial = self._serial
        if serial is None:
            return  # no register is exposed before the meter it belongs to is known
        # Historique has no total group: the total is the sum of the index groups.
        derived_total = reading.mode is Mode.HISTORIQUE
        counters: list[tuple[SampleKey, int | None, float]] = [
            ((_IMPORTED_TOTAL, (serial,)), reading.energy_imported_wh, 3600.0),
            (("linky_energy_exported_joules_total", (serial,)), reading.energy_exported_wh, 3600.0),
        ]
        counters += [
            (("linky_energy_imported_by_index_joules_total", (serial, "supplier", str(i))), wh, 3600.0)
            for i, wh in reading.supplier_energy_wh.items()
        ]
        counters += [
            (("linky_energy_imported_by_index_joules_total", (serial, "distributor", str(i))), wh, 3600.0)
            for i, wh in reading.distributor_energy_wh.items()
        ]
        counters += [
            (("linky_reactive_energy_varh_total", (serial, str(q))), varh, 1.0)
            for q, varh in reading.reactive_energy_varh.items()
        ]
        for key, raw, scale in counters:
            if raw is None:
                continue
            guard = self._guards.get(key)
            if guard is None:
                guard = self._guards[key] = IndexGuard()
            before = guard.rejected
            confirmed = guard.update(raw, clock, max_va)
            if not (derived_total and key[0] == _IMPORTED_TOTAL):  # its index group is already counted
                self._groups["rejected_value"] += guard.rejected - before
            if confirmed is not None:
                fresh[key] = confirmed * scale
            elif key in self._samples:
                fresh[key] = self._samples[key][0]  # keep the last confirmed value alive
            direction = _POWER_DIRECTIONS.get(key[0])
            if direction is not None:
                point = (guard.accepted.at, guard.accepted.wh) if guard.accepted else None
                va = reading.apparent_power_va.get(direction)
                self._power.observe(direction, clock, va, point, guard.rejected > before)
        # Recomputed every frame: an estimate that ends (reset, rejected value) disappears at once.
        self._drop_power_samples()
        fresh.update(self._power.samples())

    def _learn_identity(self, reading: Reading) -> None:
        identity = self._identity
        identity["mode"] = reading.mode.value
        if reading.serial is not None:
            identity["serial"] = reading.serial
        if reading.address is not None:
            identity["manufacturer"] = reading.address.manufacturer or reading.address.manufacturer_code
            identity["device_type"] = reading.address.device_type
        if reading.tariff_option is not None:
            identity["tariff_option"] = reading.tariff_option
        if reading.tic_version is not None:
            identity["tic_version"] = reading.tic_version
        phases = reading.phases or (reading.address.phases if reading.address else None)
        if phases is not None and not reading.short_frame:
            self._phases = phases
            identity["phases"] = str(phases)
        if reading.producer is not None:
            identity["producer"] = "true" if reading.producer else "false"

    def _publish(self) -> None:
        self._published_at = time.time()
        self._version += 1
        self.snapshot = self._build_snapshot()

    def _build_snapshot(self) -> Snapshot:
        return Snapshot(
            version=self._version,
            meter=self.meter,
            simulated=self.simulated,
            stale_after=self.stale_after,
            samples=MappingProxyType(dict(self._samples)),
            identity=MappingProxyType(dict(self._identity)),
            tariff_names=MappingProxyType(dict(self._tariff_names)),
            frames=MappingProxyType(dict(self._frames)),
            groups=MappingProxyType(dict(self._groups)),
            mode_detections=MappingProxyType(dict(self._mode_detections)),
            bytes=self._bytes,
            reconnects=self._reconnects,
            connected=self._connected,
            last_frame_at=self._last_frame_at,
            prices=self.prices,
        )
