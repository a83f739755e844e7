"""``linky-exporter decode [FILE|-]``: raw TIC bytes in, one JSON object per valid frame out.

Other tools rely on this output; keep it stable. It reports the framing layer:
every group whose checksum holds, before the label table is applied.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import BinaryIO

from ..tic.framing import Frame, FrameDecoder, FrameResult

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
    # read1: what has arrived (up to a chunk), so that a frame from a pipe or a live
    # line is printed as soon as it ends, not once 64 KiB have come (9 min at 1200 Bd).
    read = getattr(stream, "read1", stream.read)
    while chunk := read(_CHUNK):
        if _print_frames(decoder.feed(chunk), out):
            out.flush()
    _print_frames(decoder.flush(), out)
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


def _print_frames(frames: list[Frame], out) -> bool:
    """Write the valid frames; True if there was one."""
    lines = []
    for frame in frames:
        if frame.result is not FrameResult.VALID:
            continue
        groups = {
            label: {"value": group.value.strip(" "), "horodate": group.horodate}
            for label, group in frame.groups.items()
        }
        lines.append(json.dumps({"mode": str(frame.mode), "groups": groups}) + "\n")
    out.write("".join(lines))  # one write per chunk read, not one per frame
    return bool(lines)
