"""Fuzzing the decoder and the state layer with random and mutated real input.

Shared by tests/unit/test_fuzz.py (short form) and ``python -m benchmarks.fuzz
--inputs 1000000 [--seed 1]`` (long form).

Each input is random bytes or a window of real captures and simulated streams,
mutated (bit flips, dropped and inserted bytes, truncations, EOT, wrong
separators, stray CR/LF/STX/ETX), fed to a FrameDecoder in random chunks. The
promises checked on every input:

- no exception escapes the decoder or read_frame();
- the decoder's pending buffer never exceeds its bound;
- every group it yields is, byte for byte, in the input with a valid checksum;

and through a MeterState fed a long mutated stream whose indexes grow:

- no energy counter ever goes backwards, nor jumps more than the cut-off power
  allows between two scrapes.

"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from linky_exporter.meter import MeterState
from linky_exporter.simulator import generate
from linky_exporter.tic.framing import Frame, FrameDecoder, FrameResult, Mode, checksum
from linky_exporter.tic.interpret import read_frame

ROOT = Path(__file__).resolve().parents[2]
MAX_PENDING = 2048


def corpus() -> list[bytes]:
    """Real captures (the copyable fixtures) and simulated streams of every layout."""
    real = [path.read_bytes() for path in sorted((ROOT / "tests" / "fixtures").glob("*.tic"))]
    simulated = [
        generate(url + "&seed=7&start=2024-01-10T19:50&scenario=noise&noise_rate=0&eot_rate=0.05&parity=1", 12)
        for url in (
            "simulated://historique?contract=tempo",
            "simulated://historique?phases=3&contract=base",
            "simulated://standard?contract=tempo",
            "simulated://standard?phases=3&producer=1&contract=hc",
        )
    ]
    return real + simulated


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        if not buf:
            break
        i = rng.randrange(len(buf))
        kind = rng.randrange(8)
        if kind == 0:
            buf[i] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del buf[i]
        elif kind == 2:
            buf.insert(i, rng.randrange(256))
        elif kind == 3:
            buf.insert(i, 0x04)
        elif kind == 4 and buf[i] in (0x09, 0x20):
            buf[i] ^= 0x09 ^ 0x20
        elif kind == 5:
            del buf[i:]
        elif kind == 6:
            buf.insert(i, rng.choice(b"\r\n\x02\x03"))
        else:
            buf[i] = rng.randrange(0x30, 0x3A)  # a digit for a digit: the checksum must catch it
    return bytes(buf)


def wire_bytes(frame: Frame, label: str) -> bytes:
    group = frame.groups[label]
    if frame.mode is Mode.STANDARD:
        fields = [label] + ([group.horodate] if group.horodate is not None else []) + [group.value]
        payload = ("\t".join(fields) + "\t").encode()
        return b"\n" + payload + bytes([checksum(payload)]) + b"\r"
    payload = f"{label} {group.value}".encode()
    return b"\n" + payload + b" " + bytes([checksum(payload)]) + b"\r"


@dataclass
class Report:
    inputs: int = 0
    bytes: int = 0
    frames_valid: int = 0
    groups_valid: int = 0
    groups_bad_checksum: int = 0
    groups_malformed: int = 0
    readings: int = 0
    values_rejected: int = 0
    counter_checks: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz_decoder(inputs: int, seed: int, report: Report) -> None:
    rng = random.Random(seed)
    bases = corpus()
    for n in range(inputs):
        if rng.random() < 0.1:
            data = rng.randbytes(rng.randrange(1, 2048))
        else:
            base = rng.choice(bases)
            start = rng.randrange(len(base))
            data = mutate(base[start : start + rng.randrange(64, 2048)], rng)
        decoder = FrameDecoder(max_frame_bytes=MAX_PENDING)
        frames: list[Frame] = []
        try:
            position = 0
            while position < len(data):
                step = rng.choice((1, 7, 64, 512, 4096))
                frames += decoder.feed(data[position : position + step])
                position += step
                if len(decoder._pending) > MAX_PENDING:
                    report.failures.append(f"input {n}: pending buffer {len(decoder._pending)} > {MAX_PENDING}")
            frames += decoder.flush()
            masked = bytes(b & 0x7F for b in data)
            for frame in frames:
                for label in frame.groups:
                    if wire_bytes(frame, label) not in masked:
                        report.failures.append(f"input {n}: group {label} not in the input with its checksum")
                if frame.result is FrameResult.VALID:
                    reading = read_frame(frame)
                    report.readings += 1
                    report.values_rejected += len(reading.rejected)
        except Exception as error:  # the promise is that nothing escapes: record, don't stop
            report.failures.append(f"input {n}: {type(error).__name__}: {error}")
        stats = decoder.stats
        report.inputs += 1
        report.bytes += len(data)
        report.frames_valid += stats.frames_valid
        report.groups_valid += stats.groups_valid
        report.groups_bad_checksum += stats.groups_bad_checksum
        report.groups_malformed += stats.groups_malformed


def fuzz_counters(frames: int, seed: int, report: Report) -> None:
    """A long growing stream, mutated frame by frame, through a MeterState."""
    rng = random.Random(seed)
    for url in ("simulated://standard?phases=3&contract=tempo&speed=30", "simulated://historique?contract=hc&speed=30"):
        stream = generate(f"{url}&seed={seed}&start=2024-01-10T19:00", frames)
        state = MeterState("fuzz", stale_after=3600)
        decoder = FrameDecoder(stats=state.decoder_stats)
        last: dict = {}
        clock = 0.0
        max_va = 3 * 90 * 240  # above anything the simulated meters can draw
        for chunk in stream.split(b"\x03"):
            chunk = mutate(chunk, rng) if rng.random() < 0.3 else chunk
            clock += 30.0  # a frame's worth of simulated time
            try:
                pairs = [(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in decoder.feed(chunk + b"\x03")]
                state.record_chunk(pairs, clock=clock, now=clock)
            except Exception as error:
                report.failures.append(f"state layer: {type(error).__name__}: {error}")
                continue
            for key, (value, _) in state.snapshot.samples.items():
                if not key[0].startswith("linky_energy") and not key[0].startswith("linky_reactive"):
                    continue
                report.counter_checks += 1
                if key in last:
                    before, at = last[key]
                    scale = 1.0 if key[0].startswith("linky_reactive") else 3600.0
                    allowed = (max_va * (clock - at + 2 * 30) / 3600 * 1.5 + 2) * scale
                    if value < before:
                        report.failures.append(f"{url} {key}: went back from {before} to {value}")
                    elif value - before > allowed:
                        report.failures.append(f"{url} {key}: jumped {value - before} > {allowed}")
                last[key] = (value, clock)
