"""``linky-exporter simulate --pty`` as a subprocess: a simulated meter behind a real pty."""

from __future__ import annotations

import subprocess
import sys

from .processes import stop


class SimulatedPty:
    def __init__(self, url: str, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "linky_exporter.cli", "simulate", url, "--pty", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("/dev/"):
            self.close()
            raise AssertionError(f"simulate --pty printed {line!r}: {self.process.stderr.read()}")
        self.path = line

    def close(self) -> None:
        stop(self.process)

    def __enter__(self) -> SimulatedPty:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SimulatedTcp(SimulatedPty):
    """``linky-exporter simulate URL --tcp ADDRESS``: a simulated meter behind a TCP serial server.

    ``address`` is ``host:port`` as bound (port 0 asks for a free port); the exporter
    reads it as ``socket://`` + address. Stopping it and starting another on the
    same address is a ser2net restart: the exporter reconnects.
    """

    def __init__(self, url: str, address: str = "127.0.0.1:0", *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "linky_exporter.cli", "simulate", url, "--tcp", address, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("127.0.0.1:"):
            self.close()
            raise AssertionError(f"simulate --tcp printed {line!r}: {self.process.stderr.read()}")
        self.address = line
        self.path = "socket://" + line

    def __enter__(self) -> SimulatedTcp:
        return self
