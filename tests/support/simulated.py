"""Helpers for the simulator tests: build configs, decode what the simulator sends."""

from __future__ import annotations

from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.tic.framing import Frame, FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame


def transmitter(url: str) -> Transmitter:
    return Transmitter(parse_url(url))


def decode(data: bytes) -> tuple[list[Frame], FrameDecoder]:
    decoder = FrameDecoder()
    frames = decoder.feed(data) + decoder.flush()
    return frames, decoder


def emissions(tx: Transmitter, count: int):
    """(emission, frame, reading) for ``count`` frames, asserting each is 100 % clean."""
    out = []
    for _ in range(count):
        emission = tx.next_emission()
        if emission is None:
            break
        frames, decoder = decode(emission.data)
        assert len(frames) == 1 and frames[0].result is FrameResult.VALID, emission.data
        stats = decoder.stats
        assert stats.groups_bad_checksum == stats.groups_malformed == stats.stray_bytes == 0
        reading = read_frame(frames[0])
        assert reading.rejected == [] and reading.unknown == {}, (reading.rejected, reading.unknown)
        out.append((emission, frames[0], reading))
    return out


def labels(frame_bytes: bytes) -> list[str]:
    """Labels of one frame's groups, in order, from the raw bytes."""
    start = frame_bytes.index(b"\x02")
    body = frame_bytes[start + 1 : frame_bytes.index(b"\x03", start)]
    out = []
    for group in body.split(b"\r"):
        group = group.lstrip(b"\n")
        if group:
            separator = b"\t" if b"\t" in group else b" "
            out.append(group.split(separator, 1)[0].decode())
    return out
