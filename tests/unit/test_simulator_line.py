"""SimulatedSerial behaves like a pyserial port at the line's pace (driven by a fake clock)."""

from __future__ import annotations

import pytest
import serial

from linky_exporter.simulator import SimulatedSerial
from linky_exporter.simulator.line import RX_BUFFER

from ..support.simulated import decode


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def port(url: str, **kwargs) -> tuple[SimulatedSerial, FakeClock]:
    clock = FakeClock()
    return SimulatedSerial(url, clock=clock, sleep=clock.sleep, **kwargs), clock


def test_read_returns_what_arrived_when_the_timeout_expires():
    line, clock = port("simulated://standard?start=2024-01-15T12:00", timeout=2.0)
    data = line.read(100_000)
    assert clock.slept == pytest.approx(2.0)
    # 9600 Bd, 10 bits a character: 960 bytes a second, minus the gaps between frames.
    assert 1850 <= len(data) <= 1920
    frames, decoder = decode(data)
    assert decoder.stats.frames_valid >= 1 and decoder.stats.groups_bad_checksum == 0


def test_read_blocks_until_size_bytes_without_timeout_and_paces_historique():
    line, clock = port("simulated://historique?start=2024-01-15T12:00")
    assert line.baudrate == 1200 and line.timeout is None
    data = line.read(120)
    assert len(data) == 120
    assert clock.slept == pytest.approx(120 * 10 / 1200, abs=0.02)


def test_zero_timeout_and_in_waiting():
    line, clock = port("simulated://standard?start=2024-01-15T12:00", timeout=0)
    assert line.read(10) == b""  # nothing has crossed the line yet
    clock.now += 0.5
    assert 470 <= line.in_waiting <= 480
    assert 470 <= len(line.read(1000)) <= 480 and line.in_waiting == 0
    clock.now += 0.1
    assert line.read(1) != b""


def test_a_wrong_baud_rate_reads_garbage_and_the_right_one_recovers():
    line, clock = port("simulated://standard?start=2024-01-15T12:00", timeout=3.0, baudrate=1200)
    garbage = line.read(100_000)
    assert garbage  # a UART at the wrong speed does not read silence
    assert decode(garbage)[1].stats.frames_valid == 0
    line.baudrate = 9600
    line.reset_input_buffer()
    good = line.read(100_000)
    assert decode(good)[1].stats.frames_valid >= 2
    slow, _ = port("simulated://historique?start=2024-01-15T12:00", timeout=5.0, baudrate=9600)
    assert decode(slow.read(100_000))[1].stats.frames_valid == 0


def test_unread_bytes_overflow_the_receive_buffer():
    line, clock = port("simulated://standard?start=2024-01-15T12:00&speed=1", timeout=0)
    clock.now += 120
    assert line.in_waiting == RX_BUFFER
    assert line.bytes_dropped > 0


def test_close_and_silence():
    line, clock = port("simulated://historique?start=2024-01-15T12:00&scenario=silent&silent_at=5s", timeout=1.0)
    assert line.is_open
    before = line.read(10_000)
    assert before
    clock.now += 10
    line.read(10_000)
    assert line.read(10_000) == b""  # silent: the timeout expires with nothing
    line.close()
    assert not line.is_open
    with pytest.raises(serial.PortNotOpenError):
        line.read(1)


def test_ground_truth_is_reachable_from_the_port():
    line, clock = port("simulated://standard?start=2024-01-15T12:00&contract=hc", timeout=1.5)
    frames, _ = decode(line.read(100_000))
    truth = line.meter.truth()
    assert truth.import_va >= truth.import_w
    assert truth.tariff.supplier_index == 2


def test_a_paced_stream_gives_the_generated_bytes_each_once_it_has_arrived():
    # The stream a pty or TCP client gets (simulate) walks the emissions as the port does.
    from itertools import accumulate

    from linky_exporter.simulator import generate
    from linky_exporter.simulator.pacing import SLICE_S, paced_chunks
    from linky_exporter.simulator.transmitter import Transmitter
    from linky_exporter.simulator.url import parse_url

    url = "simulated://historique?seed=3&start=2024-01-10T12:00&scenario=mode_switch&switch_at=4s"
    transmitter = Transmitter(parse_url(url))
    emissions = [transmitter.next_emission() for _ in range(8)]
    assert len({emission.baud for emission in emissions}) == 2
    clock = FakeClock()
    chunks, released = [], []  # (line time, bytes out so far) after each chunk
    for chunk in paced_chunks(Transmitter(parse_url(url)), clock=clock, wait=clock.sleep, frames=8):
        chunks.append(chunk)
        released.append((clock.now - 1000.0, sum(map(len, chunks))))
    assert b"".join(chunks) == generate(url, 8)  # both speeds, nothing lost, nothing twice
    assert len(chunks) > 8 * 5  # in slices, not a frame at a time
    # Each frame's last byte is out once it has arrived, and at most a slice later.
    for emission, size in zip(emissions, accumulate(len(emission.data) for emission in emissions)):
        out_at = next(at for at, total in released if total >= size)
        assert emission.end_us / 1e6 <= out_at + 1e-9 <= emission.end_us / 1e6 + SLICE_S + 0.01
