"""Opening a TIC serial line: 7E1 at the mode's speed, through any pyserial URL."""

from __future__ import annotations

import logging
import socket
import termios

import serial

from .pacing import wire_seconds

log = logging.getLogger(__name__)

#: Reads never block: the reader takes what the driver holds, then pauses
#: (see sources/session.py, wait_after). A blocking read with a timeout wakes up on every burst the
#: UART delivers, hundreds of times a second at 9600 Bd, and every wake-up costs.
READ_TIMEOUT_S = 0.0
#: The pause after a read while data flows, until the meter's pace is known (then
#: one read just after each frame: frame_timing.py): 2 reads a second, well within
#: the tty's 4 KiB buffer (4 s of standard mode).
READ_PAUSE_S = 0.5
#: Until the first valid frame, read more often: the first metrics come sooner.
FIRST_FRAME_PAUSE_S = 0.1
#: How long to wait for a silent line to speak before looking again (a stop
#: request waits that long at most).
IDLE_WAIT_S = 1.0
READ_SIZE = 4096
#: A meter never stops talking: a serial or network line silent this long (some ten
#: frames of the slowest mode) is closed and opened again. A ser2net host that lost
#: power leaves a TCP connection that looks open and only ever gives silence.
SILENCE_REOPEN_S = 15.0
#: TCP keepalive on socket:// and rfc2217:// lines: a dead peer is found in
#: IDLE + INTERVAL x COUNT seconds even while the exporter waits.
KEEPALIVE_IDLE_S, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT = 10, 5, 3


class SerialLine:
    """A pyserial port as a :class:`~.line.Line`: its clock is the wire's."""

    def __init__(self, port: serial.SerialBase):
        self.port = port

    @property
    def baudrate(self) -> int:
        return self.port.baudrate

    @baudrate.setter
    def baudrate(self, value: int) -> None:
        self.port.baudrate = value

    def read(self, size: int = 1) -> bytes:
        return self.port.read(size)

    def close(self) -> None:
        self.port.close()

    def source_seconds(self, previous: float, wall_s: float, size: int) -> float:
        return wire_seconds(previous, wall_s, size, self.port.baudrate)

    def wait_fd(self) -> int | None:
        fileno = getattr(self.port, "fileno", None)  # pyserial has it for a tty only
        return None if fileno is None else fileno()


def open_serial(url: str, baudrate: int) -> SerialLine:
    """Open ``url`` (a device path or a pyserial URL) as 7E1 at ``baudrate``.

    A UART that cannot do parity (the Raspberry Pi mini-UART) refuses 7E1: it is
    then read as 8N1, and the decoder clears the parity bit that lands in bit 7.
    Raises serial.SerialException (or OSError) when the line cannot be opened.
    """
    try:
        port = _serial_for_url(
            url,
            baudrate=baudrate,
            bytesize=serial.SEVENBITS,
            parity=serial.PARITY_EVEN,
            stopbits=serial.STOPBITS_ONE,
            timeout=READ_TIMEOUT_S,
        )
    except (ValueError, _Refused) as error:  # pyserial's "Could not configure port", or the driver's EINVAL
        port = _serial_for_url(url, baudrate=baudrate, timeout=READ_TIMEOUT_S)
        log.warning("cannot set 7E1 on %s (%s): reading it as 8N1 and masking the parity bit", url, error)
    _keep_alive(port)
    return SerialLine(port)


class _Refused(serial.SerialException):
    """The driver refused the line's settings (EINVAL from tcsetattr)."""


def _serial_for_url(url: str, **settings) -> serial.SerialBase:
    # pyserial lets termios.error out of open() when the driver refuses the settings (a
    # pty opened a second time refuses 7E1: `simulate --pty` once the exporter
    # restarted). It is no OSError: the reader would take it for a bug of ours and
    # log a traceback at every retry instead of reading the line as 8N1.
    try:
        return serial.serial_for_url(url, **settings)
    except termios.error as error:
        reason = error.args[1] if len(error.args) == 2 else str(error)
        raise _Refused(f"the line refused its settings: {reason}") from None


def _keep_alive(port: serial.SerialBase) -> None:
    """TCP keepalive on a network port (pyserial keeps its socket in ``_socket``)."""
    sock = getattr(port, "_socket", None)
    if not isinstance(sock, socket.socket):
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE_S), ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL_S),
                          ("TCP_KEEPCNT", KEEPALIVE_COUNT)):
        if hasattr(socket, option):  # Linux; elsewhere the system's defaults
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
