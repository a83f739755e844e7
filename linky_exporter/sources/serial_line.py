"""Opening a TIC serial line: 7E1 at the mode's speed, through any pyserial URL."""

from __future__ import annotations

import logging

import serial

log = logging.getLogger(__name__)

#: Short enough that a stop request or a mode switch is seen quickly; long enough
#: that a read returns whole bursts rather than single bytes.
READ_TIMEOUT_S = 0.1


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
