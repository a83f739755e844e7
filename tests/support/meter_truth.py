"""The simulated meter's registers frame by frame, checked against its ground truth.

The exporter reads a `simulated://` source in its own process, where the test cannot
reach the simulator's truth. The stream is deterministic (same URL with `seed` and
`start`: same bytes), so the test regenerates it here: each frame is decoded with the
exporter's decoder, and its supplier registers are checked against
`floor(truth.supplier_wh)` of the meter at that frame. What the exporter served can then
be matched to a frame of this list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.tic.framing import FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame


@dataclass(frozen=True)
class FrameRegisters:
    sim_ms: int  # the meter's clock at this frame
    supplier_wh: dict[int, int]  # EASF01..10 as sent, in Wh
    total_wh: int  # EAST


def frame_registers(url: str, frames: int) -> list[FrameRegisters]:
    """The first `frames` frames of the simulated meter at `url`, decoded and checked."""
    transmitter = Transmitter(parse_url(url))
    out = []
    for _ in range(frames):
        emission = transmitter.next_emission()
        assert emission is not None, "the simulated meter fell silent"
        decoded = FrameDecoder().feed(emission.data)
        assert [frame.result for frame in decoded] == [FrameResult.VALID]
        reading = read_frame(decoded[0])
        truth = transmitter.meter.truth()
        assert truth.time_ms == emission.sim_ms
        floors = {index: math.floor(wh) for index, wh in truth.supplier_wh.items()}
        sent = reading.supplier_energy_wh
        assert {i: sent[i] for i in floors} == floors, f"registers {sent} differ from the truth {floors}"
        assert reading.energy_imported_wh == sum(sent.values())
        out.append(FrameRegisters(emission.sim_ms, dict(sent), reading.energy_imported_wh))
    return out


def find_frame(frames: list[FrameRegisters], supplier_wh: dict[int, int]) -> FrameRegisters:
    """The first frame whose supplier registers are exactly these, or an assertion error."""
    for frame in frames:
        if all(frame.supplier_wh.get(index) == wh for index, wh in supplier_wh.items()):
            return frame
    raise AssertionError(f"no frame of the simulated meter has the registers {supplier_wh}")
