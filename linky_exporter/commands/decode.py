"""``linky-exporter decode [FILE|-]``: raw TIC bytes in, one JSON object per valid frame out.

Other tools rely on this output; keep it stable. It reports the framing layer:
every group whose checksum holds, before the label table is applied.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import BinaryIO

from ..tic.framing import Frame, FrameDecoder, FrameResult, Group

_CHUNK = 1 << 16


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "decode",
        help="decode raw TIC bytes (a capture file or stdin) into JSON lines",
        description=(
            "Print one JSON object per valid frame on stdout, then the counts as one "
            "JSON object on stderr. Exit 0, or 2 if the file cannot be read."
        ),
    )
    parser.add_argument("file", nargs="?", default="-", help="capture file, or - for stdin (default)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            return decode_stream(sys.stdin.buffer, sys.stdout, sys.stderr)
        with open(args.file, "rb") as stream:
            return decode_stream(stream, sys.stdout, sys.stderr)
    except OSError as error:
        print(f"linky-exporter decode: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2


def decode_stream(stream: BinaryIO, out, err) -> int:
    decoder = FrameDecoder()
    printer = _FramePrinter(out)
    # read1: what has arrived (up to a chunk), so that a frame from a pipe or a live
    # line is printed as soon as it ends, not once 64 KiB have come (9 min at 1200 Bd).
    read = getattr(stream, "read1", stream.read)
    while chunk := read(_CHUNK):
        if printer.print(decoder.feed(chunk)):
            out.flush()
    printer.print(decoder.flush())
    stats = decoder.stats
    counts = {
        "frames_valid": stats.frames_valid,
        # partial frames, frames without a valid group, overflows and EOT interruptions
        "frames_invalid": stats.frames_invalid + stats.frames_interrupted,
        "groups_valid": stats.groups_valid,
        "groups_bad_checksum": stats.groups_bad_checksum,
        "groups_malformed": stats.groups_malformed,
        "frames_interrupted": stats.frames_interrupted,
        "frames_overflowed": stats.frames_overflowed,  # longer than a frame can be: no STX/ETX seen
        "stray_bytes": stats.stray_bytes,  # outside any frame, or noise between groups
    }
    print(json.dumps(counts), file=err)
    return 0


class _FramePrinter:
    """Valid frames as JSON lines: ``{"mode": ..., "groups": {label: {"value", "horodate"}}}``.

    Each group's ``"label": {...}`` is the text json.dumps writes for it, kept while it
    comes again: most of a frame's groups are the previous frame's, and encoding them
    was most of the command's output work. The line is byte for byte ``json.dumps`` of
    the whole frame (tests/end_to_end/test_decode_command.py).
    """

    _KEPT = 4096  # groups kept at most (a frame has 10 to 70)

    def __init__(self, out) -> None:
        self.out = out
        self._known: dict[tuple[str, Group], str] = {}

    def print(self, frames: list[Frame]) -> bool:
        """Write the valid frames, in one write; True if there was one."""
        lines = []
        known = self._known
        for frame in frames:
            if frame.result is not FrameResult.VALID:
                continue
            if len(known) > self._KEPT:
                known.clear()
            parts = []
            for item in frame.groups.items():
                part = known.get(item)
                if part is None:
                    label, group = item
                    part = known[item] = (
                        json.dumps(label) + ": " + json.dumps({"value": group.value.strip(" "), "horodate": group.horodate})
                    )
                parts.append(part)
            lines.append('{"mode": ' + json.dumps(str(frame.mode)) + ', "groups": {' + ", ".join(parts) + "}}\n")
        self.out.write("".join(lines))  # one write per chunk read, not one per frame
        return bool(lines)
