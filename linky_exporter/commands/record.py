"""``linky-exporter record [DEVICE] -o FILE``: save a line's raw bytes, for bug reports and replay.

The mode is found first (or given with --tic.mode); from then on every byte read
is written unchanged, so that ``--tic.source file://FILE`` replays exactly what
the meter sent, errors included.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

import serial

from ..sources.autodetect import ModeDetector
from ..sources.devices import PROBE_CANDIDATES, existing_devices
from ..sources.line import Line
from ..sources.opener import open_line
from ..sources.serial_line import READ_PAUSE_S
from ..sources.session import LineSession
from ..sources.spec import SourceSpec, parse_source
from ..tic.framing import FrameResult, Mode


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "record",
        help="save a TIC line's raw bytes to a file (replay it with --tic.source file://FILE)",
        description="Find the mode, then write every byte read to FILE until Ctrl-C, --seconds or --frames.",
    )
    parser.add_argument("device", nargs="?", help="device or URL (default: the first serial device found)")
    parser.add_argument("-o", "--output", required=True, type=Path, help="file to write (replaced if it exists)")
    parser.add_argument("--tic.mode", dest="mode", choices=["auto", "historique", "standard"], default="auto")
    parser.add_argument("--seconds", type=float, help="stop after this long (from the moment the mode is known)")
    parser.add_argument("--frames", type=int, help="stop after this many valid frames")
    parser.add_argument("--detect-timeout", type=float, default=30.0, help="give up finding the mode after this long (default: 30 s)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    device = args.device or next(iter(existing_devices(PROBE_CANDIDATES)), None)
    if device is None:
        print("linky-exporter record: no serial device found; name one: linky-exporter record /dev/ttyUSB0 -o meter.tic", file=sys.stderr)
        return 1
    try:
        spec = parse_source(device)
    except ValueError as error:
        print(f"linky-exporter record: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    fixed = None if args.mode == "auto" else Mode(args.mode)
    try:
        return _record(spec, args.output, fixed, args, stop)
    except OSError as error:
        print(f"linky-exporter record: {args.output}: {error.strerror or error}", file=sys.stderr)
        return 1


def _record(spec: SourceSpec, output: Path, fixed: Mode | None, args: argparse.Namespace, stop: threading.Event) -> int:
    detector = ModeDetector(fixed, time.monotonic())
    try:
        line = open_line(spec, detector.baudrate)
    except (OSError, serial.SerialException, ValueError) as error:
        print(f"linky-exporter record: cannot open {spec.url}: {error}", file=sys.stderr)
        return 1
    try:
        sink = open(output, "wb")
    except OSError:
        line.close()
        raise
    with sink:
        try:
            written, frames, errors = _copy(line, sink, detector, fixed, args, stop)
        finally:
            line.close()
    if written < 0:
        return 1
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(f"recorded {written} bytes, {frames} valid frames, {errors} group errors to {output}", file=sys.stderr)
    return 0


def _copy(line: Line, sink, detector: ModeDetector, fixed: Mode | None, args: argparse.Namespace, stop: threading.Event):
    """Copy the line to ``sink`` once the mode is known.

    Returns (bytes, frames, errors), with bytes -1 when no mode was found in time.
    """
    session = LineSession(line, detector, fixed, stop.wait)
    since_switch = bytearray()  # bytes read at the current speed, written once the mode is known
    started = time.monotonic()
    recording_since: float | None = started if fixed else None
    frames = errors = written = 0
    while not stop.is_set():
        try:
            read = session.read(READ_PAUSE_S)
        except (OSError, serial.SerialException, EOFError) as error:
            print(f"\nlinky-exporter record: the line ended: {error}", file=sys.stderr)
            break
        chunk, decoded, now = read.data, read.frames, read.now
        if read.switched:
            since_switch.clear()
        if recording_since is None:
            since_switch += chunk
            if detector.locked is None:
                if now - started > args.detect_timeout:
                    print(
                        f"linky-exporter record: no valid frame in {args.detect_timeout:g} s; "
                        "run linky-exporter probe to see why",
                        file=sys.stderr,
                    )
                    return -1, 0, 0
                continue
            recording_since = now
            chunk = bytes(since_switch)
        sink.write(chunk)
        written += len(chunk)
        frames += sum(1 for f in decoded if f.result is FrameResult.VALID)
        errors += sum(f.groups_bad_checksum + f.groups_malformed for f in decoded)
        _progress(written, frames, errors, detector.locked)
        if (args.frames and frames >= args.frames) or (args.seconds and now - recording_since >= args.seconds):
            break
    return written, frames, errors


def _progress(written: int, frames: int, errors: int, mode: Mode | None) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r  {mode.value if mode else '?':10s} {written:8d} bytes  {frames:6d} frames  {errors:5d} errors")
        sys.stderr.flush()
