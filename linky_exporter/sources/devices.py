"""The usual places of a TIC line on a Raspberry Pi or a PC."""

from __future__ import annotations

import glob
import os

#: What serve uses when no --tic.source is given: the Pi UART (PiTInfo), then a USB dongle.
SERVE_CANDIDATES = ("/dev/serial0", "/dev/ttyAMA0", "/dev/ttyUSB0", "/dev/serial/by-id/*")
#: What probe and record look at: every USB serial device too.
PROBE_CANDIDATES = ("/dev/serial0", "/dev/ttyAMA0", "/dev/ttyUSB*", "/dev/serial/by-id/*")


def existing_devices(patterns: tuple[str, ...]) -> list[str]:
    """Existing devices matching ``patterns``, in order, each physical device once."""
    seen: set[str] = set()
    found = []
    if _is_raspberry_pi_5():
        # There /dev/serial0 is the debug connector; the GPIO header's UART is ttyAMA0.
        patterns = ("/dev/ttyAMA0", *(p for p in patterns if p != "/dev/ttyAMA0"))
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            real = os.path.realpath(path)
            if os.path.exists(path) and real not in seen:
                seen.add(real)
                found.append(path)
    return found


def _is_raspberry_pi_5(model_file: str = "/proc/device-tree/model") -> bool:
    try:
        with open(model_file, "rb") as model:
            return model.read().startswith(b"Raspberry Pi 5")
    except OSError:
        return False
