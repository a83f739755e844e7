"""Checks on the sources that need the file system, made at start and by ``--check-config``.

A capture replayed from ``file://`` must exist and be readable: it will not
appear later, and the reader would otherwise retry it for ever. A device path
that does not exist yet is fine (a dongle gets plugged in later, and the reader
waits for it), but one that names a directory or a regular file is a mistake.
One physical line given as two sources is refused: two readers would share its
bytes, each getting half the frames and both reporting the meter up.
"""

from __future__ import annotations

import os
import stat

from .replay import parse_capture_url
from .spec import SourceKind, SourceSpec, network_address


def check_sources(specs: list[SourceSpec]) -> None:
    """Raise ValueError (one line naming the meter) for the first source that cannot work."""
    lines: dict[tuple[str, ...], SourceSpec] = {}
    for spec in specs:
        if spec.kind is SourceKind.FILE:
            _check_capture(spec)
        elif spec.kind is SourceKind.SERIAL and not spec.scheme:
            _check_device(spec)
        line = _physical_line(spec)
        if line is None:
            continue
        other = lines.setdefault(line, spec)
        if other is not spec:
            raise ValueError(
                f"meters {other.name} ({other.url}) and {spec.name} ({spec.url}) read the same line "
                f"{_describe(line)}: two readers would split its bytes; give it once"
            )


def _check_capture(spec: SourceSpec) -> None:
    path = parse_capture_url(spec.url)[0]
    try:
        # Opened, not just looked at: root and ACLs make permission bits a poor guide.
        with open(path, "rb") as capture:
            if not stat.S_ISREG(os.fstat(capture.fileno()).st_mode):
                raise ValueError(f"meter {spec.name}: capture {path} is not a regular file")
    except IsADirectoryError:
        raise ValueError(f"meter {spec.name}: capture {path} is a directory, not a file") from None
    except OSError as error:
        raise ValueError(f"meter {spec.name}: cannot read capture {path}: {error.strerror or error}") from None


def _check_device(spec: SourceSpec) -> None:
    try:
        mode = os.stat(spec.url).st_mode
    except OSError:
        return  # not there yet (or not visible to us): the reader waits for it and says why
    if stat.S_ISDIR(mode):
        raise ValueError(f"meter {spec.name}: {spec.url} is a directory, not a serial device")
    if stat.S_ISREG(mode):
        raise ValueError(
            f"meter {spec.name}: {spec.url} is a regular file, not a serial device; "
            f"to replay a capture use file://{os.path.abspath(spec.url)}"
        )


def _physical_line(spec: SourceSpec) -> tuple[str, ...] | None:
    """What identifies the line behind a source; None when sharing it is harmless."""
    if spec.kind is not SourceKind.SERIAL:
        # A capture or a simulator is read independently by each source: no bytes are shared.
        return None
    if spec.scheme in ("socket", "rfc2217"):
        host, port = network_address(spec.url)  # lowercase, without brackets (host_port.py)
        return ("tcp", host, str(port))
    if spec.scheme:
        return None
    # /dev/serial0 is usually a symlink to /dev/ttyAMA0 (or ttyS0): compare what they point to.
    return ("device", os.path.realpath(spec.url))


def _describe(line: tuple[str, ...]) -> str:
    return f"{line[1]}:{line[2]}" if line[0] == "tcp" else line[1]
