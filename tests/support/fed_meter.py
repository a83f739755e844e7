"""A MeterState fed a real capture at a given time, for tests of what reads its snapshot."""

from __future__ import annotations

from linky_exporter.meter import MeterState
from linky_exporter.tic.framing import FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame

from .captures import fixture_path

CAPTURE = "hist_mono_tempo_linky__pyteleinfo_captured_frames.tic"


def fed_state(name: str = "linky", now: float = 1000.0, **kwargs) -> MeterState:
    """A meter (stale after 30 s) that received the whole historique capture at ``now``."""
    state = MeterState(name, stale_after=30, **kwargs)
    data = fixture_path(CAPTURE).read_bytes()
    frames = FrameDecoder(stats=state.decoder_stats).feed(data)
    pairs = [(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in frames]
    state.record_chunk(pairs, clock=now, now=now)
    return state
