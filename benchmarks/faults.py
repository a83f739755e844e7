"""Time to recover from each fault, with the real exporter and a meter stream at line pace.

    python -m benchmarks.faults [--outage 1,30]

For each fault and outage length: the exporter reads a simulated standard meter
(9600 Bd, paced) through a pty or a TCP "ser2net"; the fault is applied, lasts
the outage, is cleared, and we time how long until a new valid frame is
counted. The reconnection backoff doubles from 0.5 s up to 10 s, so recovery
after a long outage can take up to 10 s plus a frame.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from linky_exporter.simulator import generate
from tests.support.exporter_process import Exporter, PtyLine, TcpLine, wait_for

from .common import machine

STREAM = generate("simulated://standard?contract=tempo&seed=4&start=2024-01-10T12:00", 600)
SLICE = 48  # bytes per 50 ms at 9600 Bd


class Feeder(threading.Thread):
    """Writes the meter's stream at line pace into ``write`` until stopped; errors while unplugged are ignored."""

    def __init__(self, write):
        super().__init__(daemon=True)
        self.write = write
        self.stopped = threading.Event()

    def run(self) -> None:
        position = 0
        while not self.stopped.wait(0.05):
            try:
                self.write(STREAM[position : position + SLICE])
            except OSError:
                pass  # the line is down: the meter talks into the void
            position = (position + SLICE) % len(STREAM)


def valid_frames(exporter: Exporter) -> float:
    return exporter.value("linky_exporter_frames_total", result="valid") or 0.0


def recovery(exporter: Exporter) -> float:
    before = valid_frames(exporter)
    started = time.monotonic()
    wait_for(lambda: valid_frames(exporter) > before, timeout=60, interval=0.02, what="a valid frame")
    return time.monotonic() - started


def unplug(outage: float) -> float:
    with tempfile.TemporaryDirectory(prefix="linky-faults-") as folder:
        line = PtyLine(Path(folder) / "ttyLINKY")
        feeder = Feeder(lambda data: line.write(data) if line.master is not None else None)
        feeder.start()
        try:
            with Exporter("--tic.source", str(line.link), "--tic.mode", "standard") as exporter:
                wait_for(lambda: valid_frames(exporter) > 2, what="frames")
                line.unplug()
                time.sleep(outage)
                line.replug()
                return recovery(exporter)
        finally:
            feeder.stopped.set()
            line.close()


def ser2net_restart(outage: float) -> float:
    line = TcpLine()
    feeder = Feeder(line.write)
    feeder.start()
    try:
        with Exporter("--tic.source", line.url, "--tic.mode", "standard") as exporter:
            wait_for(lambda: valid_frames(exporter) > 2, what="frames")
            line.stop()
            time.sleep(outage)
            line.start()
            return recovery(exporter)
    finally:
        feeder.stopped.set()
        line.stop()


def silent_source(outage: float) -> float:
    line = TcpLine()
    speaking = threading.Event()
    feeder = Feeder(lambda data: line.write(data) if speaking.is_set() else None)
    feeder.start()
    try:
        with Exporter("--tic.source", line.url, "--tic.mode", "standard") as exporter:
            wait_for(line.connected, what="the connection")
            time.sleep(outage)
            speaking.set()
            return recovery(exporter)
    finally:
        feeder.stopped.set()
        line.stop()


def device_missing_at_start(outage: float) -> float:
    with tempfile.TemporaryDirectory(prefix="linky-faults-") as folder:
        link = Path(folder) / "ttyLINKY"
        with Exporter("--tic.source", str(link), "--tic.mode", "standard") as exporter:
            time.sleep(outage)
            line = PtyLine(link)
            feeder = Feeder(lambda data: line.write(data))
            feeder.start()
            try:
                return recovery(exporter)
            finally:
                feeder.stopped.set()
                line.close()


FAULTS = {
    "USB dongle unplugged, then replugged (pty removed and recreated)": unplug,
    "ser2net restarted (TCP source closed, then listening again)": ser2net_restart,
    "source connected but silent, then speaking": silent_source,
    "device missing at start, then plugged in": device_missing_at_start,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outage", default="1,30", help="outage lengths in seconds, comma-separated")
    args = parser.parse_args()
    outages = [float(x) for x in args.outage.split(",")]
    print(f"machine: {machine()}")
    print(f"{'fault':70s} " + " ".join(f"{f'outage {o:g} s':>14s}" for o in outages))
    for name, fault in FAULTS.items():
        times = [fault(outage) for outage in outages]
        print(f"{name:70s} " + " ".join(f"{t:13.2f}s" for t in times))
    print("(seconds from the fault's end to the next valid frame counted)")


if __name__ == "__main__":
    main()
