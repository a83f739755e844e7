"""``probe``'s analysis: listen to a line at both speeds, then say what is wrong in plain words.

The listening is I/O (``listen``); the diagnosis (``diagnose``) is a pure
function of what was heard, so every verdict is tested without a device.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..tic.framing import BAUD, FrameResult, Mode
from ..tic.interpret import read_frame
from ..tic.reading import Reading
from .line import Line
from .serial_line import READ_PAUSE_S
from .session import LineSession

#: Above this share of bad groups a line works but needs attention; the exporter
#: still drops every bad group, so values stay right, only fewer of them arrive.
ERROR_RATE_OK = 0.02
ERROR_RATE_BAD = 0.10


@dataclass
class Heard:
    """What one speed delivered while we listened."""

    mode: Mode  # the speed tried, named by the mode that uses it
    seconds: float = 0.0
    bytes: int = 0
    bytes_with_bit_7: int = 0
    frames_valid: int = 0
    frames_other: int = 0
    groups_valid: int = 0
    groups_bad: int = 0
    modes_seen: list[Mode] = field(default_factory=list)  # mode of each valid frame, in order
    error_seconds: list[float] = field(default_factory=list)  # when bad groups arrived
    reading: Reading | None = None  # the last complete reading
    framing: str = "7E1"

    @property
    def error_rate(self) -> float:
        total = self.groups_valid + self.groups_bad
        return self.groups_bad / total if total else 0.0


Progress = Callable[[Heard], None]


def listen(line: Line, mode: Mode, seconds: float, progress: Progress | None = None, clock=time.monotonic) -> Heard:
    """Read ``line`` (already at ``mode``'s speed) for ``seconds`` and count what arrives."""
    heard = Heard(mode)
    session = LineSession(line, detector=None)  # the speed stays; the decoder takes either mode
    start = clock()
    last_progress = 0.0
    joined_mid_frame = True
    while (elapsed := clock() - start) < seconds:
        read = session.read(READ_PAUSE_S)
        chunk = read.data
        heard.seconds = clock() - start
        if chunk:
            heard.bytes += len(chunk)
            heard.bytes_with_bit_7 += len(chunk) - len(chunk.translate(None, bytes(range(0x80, 0x100))))
            for frame in read.frames:
                if joined_mid_frame and frame.result is FrameResult.INVALID:
                    heard.frames_other += 1  # we started listening mid-frame: not the line's fault
                else:
                    _count(heard, frame, elapsed)
                joined_mid_frame = False
        if progress is not None and heard.seconds - last_progress >= 0.25:
            progress(heard)
            last_progress = heard.seconds
    heard.seconds = max(heard.seconds, seconds)
    return heard


def _count(heard: Heard, frame, elapsed: float) -> None:
    heard.groups_valid += frame.groups_valid
    bad = frame.groups_bad_checksum + frame.groups_malformed
    heard.groups_bad += bad
    heard.error_seconds += [elapsed] * bad
    if frame.result is FrameResult.VALID and frame.mode is not None:
        heard.frames_valid += 1
        heard.modes_seen.append(frame.mode)
        reading = read_frame(frame)
        if not reading.short_frame:
            heard.reading = reading
    else:
        heard.frames_other += 1


@dataclass
class Verdict:
    ok: bool
    headline: str
    facts: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    mode: Mode | None = None

    def render(self) -> str:
        lines = [("OK: " if self.ok else "PROBLEM: ") + self.headline]
        lines += [f"  {fact}" for fact in self.facts]
        if self.advice:
            lines.append("What to do:")
            lines += [f"  - {item}" for item in self.advice]
        return "\n".join(lines)


NO_SIGNAL_ADVICE = [
    "check the two wires from the meter's I1 and I2 terminals to the module (no polarity, but both must be tight)",
    "check that the module is powered (on PiTInfo the LED blinks with the data)",
    "on a Raspberry Pi, enable the UART (enable_uart=1) and free it from the serial console "
    "(remove console=serial0,... from cmdline.txt; raspi-config > Interface > Serial: login shell no, hardware yes)",
    "on a Raspberry Pi 5 the GPIO header's UART is /dev/ttyAMA0 (dtparam=uart0=on in config.txt); "
    "/dev/serial0 is the debug connector there",
    "make sure no other program (another exporter, a getty) reads the same port",
]
GARBAGE_ADVICE = [
    "the port must read 7 data bits with even parity, or 8N1 (linky-exporter masks the parity bit); "
    "other settings of a serial server (ser2net, RFC 2217) give garbage",
    "on a Raspberry Pi use the PL011 UART for /dev/serial0 (dtoverlay=disable-bt or miniuart-bt in config.txt)",
    "old USB dongles and slow optocouplers cannot follow standard mode's 9600 Bd: use a dongle known to work in standard mode",
]


def diagnose(heard: list[Heard]) -> Verdict:
    if not any(h.bytes for h in heard):
        return Verdict(False, "no signal at all: not a single byte at either speed", advice=NO_SIGNAL_ADVICE)
    modes = sorted({m for h in heard for m in h.modes_seen}, key=lambda m: m.value)
    if not modes:
        facts = [f"{BAUD[h.mode]} Bd: {h.bytes} bytes, {h.groups_valid} valid groups, {h.groups_bad} bad" for h in heard]
        headline = "bytes arrive, but no valid frame at either speed"
        if any(h.groups_valid for h in heard):
            headline = "some groups are valid but no whole frame is: the line is very noisy or frames are cut"
        return Verdict(False, headline, facts, GARBAGE_ADVICE)
    best = max(heard, key=lambda h: h.frames_valid)
    mode = best.modes_seen[-1]
    facts = [
        f"mode: {mode.value} ({BAUD[mode]} Bd)",
        f"{best.frames_valid / best.seconds:.2f} valid frames per second",
        f"checksum/format errors: {best.error_rate:.1%} of groups ({best.groups_bad} of {best.groups_valid + best.groups_bad})",
    ]
    facts += _meter_facts(best.reading)
    if best.bytes_with_bit_7:
        facts.append(
            "bytes arrive with the parity bit in bit 7 (the port reads 8N1): linky-exporter clears it, nothing to do"
        )
    advice: list[str] = []
    if len(modes) > 1 or len(set(best.modes_seen)) > 1:
        return Verdict(
            True,
            f"the meter changed mode while we listened; it now sends {mode.value}",
            facts,
            ["Enedis switched the meter's TIC mode: linky-exporter follows it in --tic.mode auto (the default)"],
            mode,
        )
    ok = best.error_rate <= ERROR_RATE_BAD
    if best.error_rate > ERROR_RATE_OK:
        if _bursty(best):
            advice.append(
                "errors come in bursts: electrical noise. Keep the TIC wires away from power cables and "
                "switching devices (heat pumps, chargers), shorten or twist them"
            )
        else:
            advice.append(
                "errors are steady: a weak signal or a dongle at its limit. Check the wires' contact and, "
                "in standard mode, that the dongle follows 9600 Bd"
            )
    headline = f"Linky meter found in {mode.value} mode"
    if not ok:
        headline += f", but {best.error_rate:.0%} of groups are bad"
    return Verdict(ok, headline, facts, advice, mode)


def _meter_facts(reading: Reading | None) -> list[str]:
    if reading is None:
        return []
    facts = []
    if reading.serial:
        facts.append(f"meter serial: {reading.serial}")
    if reading.tariff_option:
        facts.append(f"contract: {reading.tariff_option}")
    if reading.reference_power_va:
        facts.append(f"subscribed power: {reading.reference_power_va / 1000:g} kVA")
    if reading.phases:
        facts.append("three-phase" if reading.phases == 3 else "single-phase")
    if reading.producer:
        facts.append("producer meter")
    return facts


def _bursty(heard: Heard) -> bool:
    """Errors concentrated in a few seconds rather than spread over the listening time."""
    if len(heard.error_seconds) < 3 or heard.seconds < 2:
        return False
    seconds_with_errors = {int(t) for t in heard.error_seconds}
    return len(seconds_with_errors) <= max(1, int(heard.seconds) // 4)
