"""Which physical meter is talking, and what it says about itself.

Every series whose value is one of the meter's registers carries the meter's
``serial`` (ADCO/ADSC), so a replaced meter, or a dongle moved to another meter,
begins new series instead of making its index look like consumption
(docs/metrics.md). A new serial is believed once ``SERIAL_CONFIRMATIONS``
consecutive valid frames carry it: one corrupted frame whose checksums still pass
must not switch meters.
"""

from __future__ import annotations

import logging

from ..tic.reading import Reading
from .throttled_log import ThrottledLog

log = logging.getLogger(__name__)

#: Unknown labels remembered (so each is logged once); past them, a label counts as
#: new again and its line goes through the throttle.
UNKNOWN_LABELS_KEPT = 64
_LABELS_SHOWN = 5
_LABEL_SHOWN_CHARS = 32

#: Consecutive valid frames that must carry a new serial before it is believed.
SERIAL_CONFIRMATIONS = 2
#: Valid frames without a readable serial after which the meter is taken to have none.
_FRAMES_WITHOUT_SERIAL = 3


class SerialWatch:
    """Tells whether a reading comes from the known meter, and when the meter changed."""

    def __init__(self) -> None:
        self.serial: str | None = None  # the meter the per-meter state belongs to
        self._new_serial: tuple[str, int] | None = None  # (serial, consecutive frames) not believed yet
        self._frames_without_serial = 0

    def judge(self, reading: Reading) -> tuple[bool, str | None]:
        """(use the reading, the new meter's serial if the meter just changed).

        A frame without a serial (its ADCO/ADSC group dropped) is taken to come from
        the meter already known. A frame from a serial not believed yet is left out.
        """
        serial = reading.serial
        if serial is None:
            if self._new_serial is not None:
                return False, None  # from which meter? Neither would be safe to feed.
            if self.serial is None:
                # A meter whose serial never reads (an anonymised capture): serial="".
                self._frames_without_serial += 1
                if self._frames_without_serial >= _FRAMES_WITHOUT_SERIAL:
                    self.serial = ""
            return True, None
        if serial == self.serial:
            self._new_serial = None
            return True, None
        if self.serial is None:
            self.serial = serial
            return True, None
        count = self._new_serial[1] + 1 if self._new_serial and self._new_serial[0] == serial else 1
        if count < SERIAL_CONFIRMATIONS:
            self._new_serial = (serial, count)
            return False, None
        self.serial, self._new_serial = serial, None
        return True, serial


class Identity:
    """The meter's identity (linky_meter_info), its tariff index names and the labels it sends that we do not know."""

    def __init__(self, meter: str, unknown_log: ThrottledLog) -> None:
        self.meter = meter
        self.labels: dict[str, str] = {}
        self.tariff_names: dict[tuple[str, str], str] = {}  # (register, index) -> name
        self.phases: int | None = None
        self._unknown_seen: set[str] = set()  # at most UNKNOWN_LABELS_KEPT: a source decides what it sends
        self._unknown_log = unknown_log

    def learn(self, reading: Reading) -> None:
        labels = self.labels
        labels["mode"] = reading.mode.value
        if reading.serial is not None:
            labels["serial"] = reading.serial
        if reading.address is not None:
            labels["manufacturer"] = reading.address.manufacturer or reading.address.manufacturer_code
            labels["device_type"] = reading.address.device_type
        if reading.tariff_option is not None:
            labels["tariff_option"] = reading.tariff_option
        if reading.tic_version is not None:
            labels["tic_version"] = reading.tic_version
        phases = reading.phases or (reading.address.phases if reading.address else None)
        if phases is not None and not reading.short_frame:
            self.phases = phases
            labels["phases"] = str(phases)
        if reading.producer is not None:
            labels["producer"] = "true" if reading.producer else "false"

    def learn_names(self, reading: Reading) -> None:
        """Tariff names and unknown labels: after the values, as the meter's frame is applied."""
        for index, name in reading.supplier_index_names.items():
            self.tariff_names[("supplier", str(index))] = name
        new = sorted(reading.unknown.keys() - self._unknown_seen)
        if new:
            room = max(0, UNKNOWN_LABELS_KEPT - len(self._unknown_seen))
            self._unknown_seen.update(new[:room])
            shown = ", ".join(_shown(label) for label in new[:_LABELS_SHOWN])
            more = f" and {len(new) - _LABELS_SHOWN} more" if len(new) > _LABELS_SHOWN else ""
            self._unknown_log.log(
                logging.INFO, "meter %s sends label%s %s%s, unknown to this exporter: kept out of the metrics",
                self.meter, "s" if len(new) > 1 else "", shown, more,
            )


def _shown(label: str) -> str:
    """A label as the log shows it: printable, and short whatever the source sent."""
    return repr(label) if len(label) <= _LABEL_SHOWN_CHARS else repr(label[:_LABEL_SHOWN_CHARS]) + "..."
