"""``linky-exporter probe [DEVICE]``: what is on this line, and if something is wrong, why."""

from __future__ import annotations

import argparse
import sys

import serial

from ..sources.devices import PROBE_CANDIDATES, existing_devices
from ..sources.opener import open_line
from ..sources.probe import BAUD, Heard, Verdict, diagnose, listen
from ..sources.spec import SourceSpec, parse_source
from ..tic.framing import Mode


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "probe",
        help="listen to a TIC line at both speeds and diagnose the wiring and settings",
        description=(
            "Listen at 1200 Bd (historique) and 9600 Bd (standard), then say what was found: the mode, "
            "frames per second, the error rate, the meter's serial and contract, or the likely cause "
            "and fix of a problem. Exit 0 when a meter is read well, 1 otherwise."
        ),
    )
    parser.add_argument("device", nargs="?", help=f"device or URL (default: the first of {', '.join(PROBE_CANDIDATES)})")
    parser.add_argument("--seconds", type=float, default=6.0, help="listening time at each speed (default: 6)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.seconds <= 0:
        print("linky-exporter probe: --seconds must be positive", file=sys.stderr)
        return 2
    devices = [args.device] if args.device else existing_devices(PROBE_CANDIDATES)
    if not devices:
        print(
            f"linky-exporter probe: no serial device at {', '.join(PROBE_CANDIDATES)}. "
            "Is the dongle plugged in, or the Pi UART enabled? Name the device: linky-exporter probe /dev/ttyUSB0",
            file=sys.stderr,
        )
        return 1
    status = 1
    for device in devices:
        try:
            spec = parse_source(device)
        except ValueError as error:
            print(f"linky-exporter probe: {error}", file=sys.stderr)
            return 2
        verdict = probe(spec, args.seconds)
        print(f"{spec.url}:")
        print(verdict.render())
        if verdict.ok:
            status = 0
            break
    return status


def probe(spec: SourceSpec, seconds: float) -> Verdict:
    heard: list[Heard] = []
    for mode in (Mode.HISTORIQUE, Mode.STANDARD):
        try:
            line = open_line(spec, BAUD[mode])
        except (OSError, serial.SerialException, ValueError) as error:
            return Verdict(False, f"cannot open {spec.url}: {error}", advice=_open_advice(error))
        try:
            heard.append(listen(line, mode, seconds, _progress))
        except (OSError, serial.SerialException) as error:
            return Verdict(False, f"{spec.url} failed while reading: {error}", advice=["is the dongle still plugged in?"])
        finally:
            line.close()
            _end_progress()
    # Both speeds always: a meter that Enedis switches while we listen shows both modes.
    return diagnose(heard)


def _open_advice(error: BaseException) -> list[str]:
    text = str(error)
    if "ermission" in text:
        return ["add your user to the dialout group (sudo usermod -aG dialout $USER, then log in again)"]
    if "No such file" in text or "could not open port" in text:
        return ["the device does not exist: check `ls /dev/serial/by-id/` and the cable"]
    if "busy" in text.lower():
        return ["another program holds the port: stop it (a getty on the console, another exporter)"]
    return []


def _progress(heard: Heard) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(
            f"\r  {BAUD[heard.mode]:>4} Bd  {heard.seconds:4.1f} s  {heard.bytes:6d} bytes  "
            f"{heard.frames_valid:3d} frames  {heard.groups_bad:4d} errors"
        )
        sys.stderr.flush()


def _end_progress() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\n")
