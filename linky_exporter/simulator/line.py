"""``SimulatedSerial``: the simulated meter behind a pyserial-like object.

The exporter reads it exactly like ``serial.Serial``: ``read(size)`` blocks at
the line's pace (10 bits per character at 1200 or 9600 Bd, with the gaps
between frames) and honours ``timeout`` (None: wait for ``size`` bytes; 0: what
is there; seconds: what arrived when it expires, ``b""`` if nothing).
``baudrate`` can be set at any time; a speed that does not match the meter's
mode gives the garbage a real UART would read (see :mod:`.uart`), so baud-rate
auto-detection can be exercised.

Line time is real time since the port was opened; simulated time follows from
it (start + line time × speed). Bytes not read pile up in a receive buffer of
``RX_BUFFER`` bytes, oldest dropped, like a UART driver's buffer.

For captures, :func:`generate` writes frames back to back without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import serial

from ..sources.pacing import BITS_PER_CHARACTER
from .config import SimulatorConfig
from .pacing import PacedEmissions
from .transmitter import Transmitter
from .uart import misread
from .url import parse_url

RX_BUFFER = 1 << 16


class SimulatedSerial:
    def __init__(
        self,
        config: SimulatorConfig | str,
        baudrate: int | None = None,
        timeout: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        **_ignored,  # bytesize, parity, stopbits... accepted like pyserial's
    ):
        if isinstance(config, str):
            self.port = config
            config = parse_url(config)
        else:
            self.port = "simulated://" + config.mode.value
        self.transmitter = Transmitter(config)
        self.config = self.transmitter.config
        self.baudrate = baudrate or self.transmitter.baud
        self.timeout = timeout
        self.bytesize, self.parity, self.stopbits = 7, serial.PARITY_EVEN, 1
        self._clock = clock
        self._sleep = sleep
        self._line = PacedEmissions(self.transmitter, clock)
        self._rx = bytearray()
        self.bytes_dropped = 0
        self.is_open = True

    # -- pyserial-like API ------------------------------------------------------

    def source_seconds(self, previous: float, wall_s: float, size: int) -> float:
        """Simulated seconds since the port was opened (the ``Line`` clock): the
        exporter's index guard measures elapsed time with it, since energy grows
        ``speed`` times faster than the wall clock."""
        return self._line.pacer.elapsed_s() * self.config.speed

    def wait_fd(self) -> None:
        return None  # paced by its own reads

    @property
    def meter(self):
        """The simulated meter, for its ground truth (``port.meter.truth()``)."""
        return self.transmitter.meter

    @property
    def in_waiting(self) -> int:
        self._check_open()
        self._pump()
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        self._check_open()
        deadline = None if self.timeout is None else self._clock() + self.timeout
        while True:
            self._pump()
            if len(self._rx) >= size:
                return self._take(size)
            now = self._clock()
            if deadline is not None and now >= deadline:
                return self._take(size)
            # Wait about as long as the missing bytes take to arrive, within the timeout.
            wait = max(0.002, (size - len(self._rx)) * BITS_PER_CHARACTER / self.baudrate)
            if self._line.silent:
                wait = 0.1
            if deadline is not None:
                wait = min(wait, deadline - now)
            self._sleep(min(wait, 0.1))
            self._check_open()

    def reset_input_buffer(self) -> None:
        self._check_open()
        self._pump()
        self._rx.clear()

    def open(self) -> None:
        if not self.is_open:
            self.is_open = True
            self.reset_input_buffer()  # what the meter sent meanwhile is lost

    def close(self) -> None:
        self.is_open = False

    def __enter__(self) -> SimulatedSerial:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------

    def _check_open(self) -> None:
        if not self.is_open:
            raise serial.PortNotOpenError()

    def _take(self, size: int) -> bytes:
        data = bytes(self._rx[:size])
        del self._rx[:size]
        return data

    def _pump(self) -> None:
        """Move into the receive buffer every byte that has reached the reader by now."""
        for chunk, line_baud in self._line.arrived():
            self._receive(chunk, line_baud)

    def _receive(self, chunk: bytes, line_baud: int) -> None:
        self._rx += misread(chunk, line_baud, int(self.baudrate))
        overflow = len(self._rx) - RX_BUFFER
        if overflow > 0:
            del self._rx[:overflow]
            self.bytes_dropped += overflow


def generate(config: SimulatorConfig | str, frames: int) -> bytes:
    """``frames`` frames as fast as they can be built (a capture), no sleeping."""
    if isinstance(config, str):
        config = parse_url(config)
    return Transmitter(config).generate(frames)
