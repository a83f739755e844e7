"""A MeterState fed real or simulated frames in this process, for tests of what reads its snapshot.

Each chunk takes the reader's path without a line: the decoder (counting into the
state's decoder stats), ``read_frame`` for each valid frame, ``MeterState.record_chunk``.
"""

from __future__ import annotations

from linky_exporter.meter import MeterState
from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.sources.autodetect import ModeDetector
from linky_exporter.tic.framing import Frame, FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame

from .captures import fixture_path

CAPTURE = "hist_mono_tempo_linky__pyteleinfo_captured_frames.tic"


def record(state: MeterState, data: bytes, clock: float, now: float) -> list[Frame]:
    """Decode ``data`` as one chunk and record its frames: ``clock`` is the source's time, ``now`` the wall's."""
    frames = FrameDecoder(stats=state.decoder_stats).feed(data)
    pairs = [(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in frames]
    state.record_chunk(pairs, clock=clock, now=now)
    return frames


def fed_state(name: str = "linky", now: float = 1000.0, **kwargs) -> MeterState:
    """A meter (stale after 30 s) that received the whole historique capture at ``now``."""
    state = MeterState(name, stale_after=30, **kwargs)
    record(state, fixture_path(CAPTURE).read_bytes(), now, now)
    return state


def replayed_state(data: bytes, name: str = "linky", now: float = 1000.0, stale_after: float = 300.0) -> MeterState:
    """A meter whose open source delivered ``data`` in one read at ``now``, as the exporter's reader
    leaves it: the source connected, the frames recorded, the TIC mode found by the reader's detector."""
    state = MeterState(name, stale_after=stale_after)
    state.record_connected(True)
    frames = record(state, data, now, now)
    detection = ModeDetector(None, now).observe(now, data, frames)
    if detection is not None:
        state.record_mode_detected(detection.mode.value)
    return state


def simulated_state(url: str, frames: int, name: str = "simulated", stale_after: float = 30.0) -> MeterState:
    """A meter fed ``frames`` frames of the built-in simulator, each at the simulated time it is sent
    (``snapshot.last_frame_at`` is the last one's)."""
    state = MeterState(name, stale_after=stale_after, simulated=True)
    transmitter = Transmitter(parse_url(url))
    for _ in range(frames):
        emission = transmitter.next_emission()
        assert emission is not None, f"{url} ended before {frames} frames"
        record(state, emission.data, emission.sim_ms / 1000, emission.sim_ms / 1000)
    return state
