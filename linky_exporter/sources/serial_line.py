"""Opening a TIC serial line: 7E1 at the mode's speed, through any pyserial URL."""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable

import serial

log = logging.getLogger(__name__)

#: Reads never block: the reader takes what the driver holds, then pauses
#: (see read_chunk). A blocking read with a timeout wakes up on every burst the
#: UART delivers, hundreds of times a second at 9600 Bd, and every wake-up costs.
READ_TIMEOUT_S = 0.0
#: The pause after a read while data flows: 2 reads a second, well within the
#: tty's 4 KiB buffer (4 s of standard mode); a frame waits 0.5 s at most.
READ_PAUSE_S = 0.5
#: Until the first valid frame, read more often: the first metrics come sooner.
FIRST_FRAME_PAUSE_S = 0.1
#: How long to wait for a silent line to speak before looking again (a stop
#: request waits that long at most).
IDLE_WAIT_S = 1.0
READ_SIZE = 4096


def open_serial(url: str, baudrate: int) -> serial.SerialBase:
    """Open ``url`` (a device path or a pyserial URL) as 7E1 at ``baudrate``.

    A UART that cannot do parity (the Raspberry Pi mini-UART) refuses 7E1: it is
    then read as 8N1, and the decoder clears the parity bit that lands in bit 7.
    Raises serial.SerialException (or OSError) when the line cannot be opened.
    """
    try:
        return serial.serial_for_url(
            url,
            baudrate=baudrate,
            bytesize=serial.SEVENBITS,
            parity=serial.PARITY_EVEN,
            stopbits=serial.STOPBITS_ONE,
            timeout=READ_TIMEOUT_S,
        )
    except ValueError as error:  # "Could not configure port" and friends
        log.warning("cannot set 7E1 on %s (%s): reading it as 8N1 and masking the parity bit", url, error)
        return serial.serial_for_url(url, baudrate=baudrate, timeout=READ_TIMEOUT_S)


def read_chunk(line, pause: Callable[[float], object] = time.sleep, pause_s: float = READ_PAUSE_S) -> bytes:
    """Whatever the line holds (up to READ_SIZE bytes), then wait for more.

    A full read means more is waiting (a capture replayed as fast as possible):
    no wait then. After a short read, pause so the next read gathers a burst;
    on a silent line that has a file descriptor, sleep until it speaks instead.
    ``pause`` is the sleeping function (a stop event's ``wait``).
    """
    chunk = line.read(READ_SIZE)
    if len(chunk) >= READ_SIZE:
        return chunk
    fileno = getattr(line, "fileno", None)
    if chunk or fileno is None:
        pause(pause_s)
    else:
        try:
            select.select([fileno()], [], [], IDLE_WAIT_S)
        except (OSError, ValueError):  # closed under us: the next read reports it
            pause(pause_s)
    return chunk
