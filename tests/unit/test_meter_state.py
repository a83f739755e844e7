"""Per-meter state (linky_exporter/meter/): freshness, what a frame without a group means, short frames,
the guard's counts, the source counters, identity and change of meter, the readout."""

from __future__ import annotations

from dataclasses import replace

import pytest

from linky_exporter.meter import MeterState
from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.tic.framing import FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame

from ..support.captures import fixture_path
from ..support.fed_meter import fed_state

EXCEEDED = ("linky_reference_power_exceeded", ())


def feed_emissions(state: MeterState, url: str, count: int, speed: float = 1.0) -> list[dict]:
    """Feed ``count`` simulated frames at their line times; return the fresh samples after each."""
    transmitter = Transmitter(parse_url(url))
    seen = []
    for _ in range(count):
        emission = transmitter.next_emission()
        now = emission.start_us / 1e6
        decoder = FrameDecoder(stats=state.decoder_stats)
        frames = decoder.feed(emission.data)
        state.record_chunk([(f, read_frame(f)) for f in frames], clock=now * speed, now=now)
        seen.append(state.snapshot.fresh_samples(now))
    return seen


def feed_bytes(state: MeterState, data: bytes, now: float, clock: float | None = None) -> None:
    frames = FrameDecoder(stats=state.decoder_stats).feed(data)
    pairs = [(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in frames]
    state.record_chunk(pairs, clock=now if clock is None else clock, now=now)


def test_measurements_disappear_after_stale_after_and_up_goes_to_0():
    state = MeterState("linky", stale_after=30)
    data = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    feed_bytes(state, data, now=1000.0)
    snap = state.snapshot
    assert snap.up(1029) and snap.fresh_samples(1029)
    assert not snap.up(1031) and snap.fresh_samples(1031) == {}


def test_a_frame_with_a_dropped_group_does_not_make_its_series_blink():
    state = MeterState("linky", stale_after=30)
    hist = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    first = hist[: hist.index(b"\x03") + 1]
    feed_bytes(state, first, now=1.0)
    corrupted = first.replace(b"PAPP 02840 /", b"PAPP 02840 X")  # checksum now wrong
    feed_bytes(state, corrupted, now=2.0)
    assert state.snapshot.fresh_samples(2.0)[("linky_apparent_power_volt_amperes", ("import",))] == 2840
    assert state.snapshot.groups["checksum_error"] == 1


def test_a_clean_frame_without_a_warning_ends_it_at_once():
    state = MeterState("linky", stale_after=30)
    feed_emissions(state, "simulated://historique?scenario=overload&overload_at=5s&overload_for=10s&start=2024-01-10T12:00", 1)
    seen = feed_emissions(state, "simulated://historique?scenario=overload&overload_at=5s&overload_for=10s&start=2024-01-10T12:00", 40)
    warning = ("linky_overcurrent_warning_amperes", ("1",))
    flags = [s.get(EXCEEDED) for s in seen]
    assert 1.0 in flags and any(warning in s for s in seen)
    last_over = max(i for i, s in enumerate(seen) if warning in s)
    assert all(warning not in s and s[EXCEEDED] == 0.0 for s in seen[last_over + 1 :])


def test_three_phase_overcurrent_bursts_do_not_flap():
    state = MeterState("linky", stale_after=30)
    url = "simulated://historique?phases=3&scenario=overload&overload_at=5s&overload_for=60s&start=2024-01-10T12:00"
    seen = feed_emissions(state, url, 120)
    flags = [s.get(EXCEEDED) for s in seen]
    first, last = flags.index(1.0), len(flags) - 1 - flags[::-1].index(1.0)
    assert last - first > 21, "the burst should outlast a 20 + 1 cycle"
    assert all(flag == 1.0 for flag in flags[first : last + 1]), flags


def test_energy_counters_are_one_frame_late_and_never_go_back():
    state = MeterState("linky", stale_after=30)
    seen = feed_emissions(state, "simulated://standard?contract=hc&speed=60&start=2024-01-10T21:50", 60, speed=60)
    serial = state.snapshot.identity["serial"]
    key = ("linky_energy_imported_joules_total", (serial,))
    values = [s.get(key) for s in seen]
    assert values[0] is None and values[1] is not None
    exposed = [v for v in values if v is not None]
    assert exposed == sorted(exposed) and exposed[-1] > exposed[0]
    assert state.snapshot.groups["rejected_value"] == 0


def test_a_corrupted_index_is_counted_and_never_exposed():
    state = MeterState("linky", stale_after=30)
    hist = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    frames = [f + b"\x03" for f in hist.split(b"\x03") if f]
    payload = b"BBRHCJB 018329856"  # +1000 Wh in a second: impossible at 6 kVA
    bad_group = b"\n" + payload + b" " + bytes([(sum(payload) & 0x3F) + 0x20]) + b"\r"
    spiked = frames[2].replace(frames[2][frames[2].index(b"\nBBRHCJB") : frames[2].index(b"\nBBRHPJB")], bad_group)
    key = ("linky_energy_imported_by_index_joules_total", ("021861348497", "supplier", "1"))
    exposed = []
    for i, frame in enumerate(frames[:2] + [spiked] + frames[3:]):
        feed_bytes(state, frame, now=float(i))
        exposed.append(state.snapshot.fresh_samples(float(i)).get(key))
    assert 18329856 * 3600.0 not in exposed
    assert state.snapshot.groups["rejected_value"] == 1


def test_meter_info_keeps_the_last_known_identity():
    state = MeterState("linky", stale_after=30, simulated=True)
    feed_emissions(state, "simulated://standard?phases=3&producer=1&contract=tempo", 2)
    identity = state.snapshot.identity
    assert identity["mode"] == "standard" and identity["phases"] == "3" and identity["producer"] == "true"
    assert identity["tariff_option"] == "TEMPO" and identity["serial"].isdigit()


def test_each_change_publishes_a_new_snapshot_and_leaves_the_old_one_as_it_was():
    state = MeterState("linky", stale_after=30)
    versions = [state.snapshot.version]
    for flag in [True, False] * 3:
        before = state.snapshot
        state.record_connected(flag)
        assert state.snapshot.connected is flag and before.connected is not flag
        versions.append(state.snapshot.version)
    assert versions == sorted(set(versions))


def test_the_source_counters_are_the_decoders_own_and_survive_a_change_of_meter():
    data = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    damaged = data.replace(b"PAPP 02840 /", b"PAPP 02840 X", 1)
    state = MeterState("linky", stale_after=30)
    # Two decoders, as after a change of speed or a reconnection: both count into the source's totals.
    middle = damaged.index(b"PTEC", len(damaged) // 2)  # inside a frame
    first, second = (FrameDecoder(stats=state.decoder_stats) for _ in range(2))
    for decoder, part in ((first, damaged[:middle]), (second, damaged[middle:])):
        frames = decoder.feed(part) + decoder.flush()
        state.record_chunk([(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in frames], 1000.0, 1000.0)
    snap, stats = state.snapshot, state.decoder_stats
    assert first.stats is second.stats is stats
    assert snap.bytes == len(damaged)
    assert snap.frames == {"valid": stats.frames_valid, "invalid": stats.frames_invalid, "interrupted": stats.frames_interrupted}
    assert snap.frames["invalid"] == 2  # the frame cut in two by the change of decoder
    assert snap.groups == {"valid": stats.groups_valid, "checksum_error": 1, "malformed": stats.groups_malformed, "rejected_value": 0}
    state._start_new_meter()
    state.flush()
    assert state.snapshot.frames == snap.frames and state.snapshot.groups == snap.groups
    assert state.snapshot.samples == {} and state.snapshot.identity == {}


def test_the_readout_follows_the_import_power_with_the_samples_freshness():
    state = MeterState("linky", stale_after=30)
    data = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    feed_bytes(state, data, now=1000.0)
    snap = state.snapshot
    exposed = snap.fresh_samples(1000.0)[("linky_apparent_power_volt_amperes", ("import",))]
    assert snap.fresh(snap.readout.apparent_power_va, 1000.0) == exposed
    assert snap.fresh(snap.readout.apparent_power_va, 1031.0) is None  # down: nothing shown
    assert snap.readout.active_power_w is None  # a capture too short for an estimate


def _energy(samples: dict) -> dict:
    registers = {"linky_energy_imported_joules_total", "linky_energy_exported_joules_total",
                 "linky_energy_imported_by_index_joules_total", "linky_reactive_energy_varh_total"}
    return {key: value for key, value in samples.items() if key[0] in registers}



def _set_group(frame: bytes, label: bytes, value: bytes) -> bytes:
    """``frame`` with the group ``label`` holding ``value``, its checksum recomputed (valid)."""
    start = frame.index(b"\n" + label + b" ") + 1 if b"\n" + label + b" " in frame else frame.index(b"\n" + label + b"\t") + 1
    end = frame.index(b"\r", start)
    separator = frame[start + len(label) : start + len(label) + 1]
    payload = label + separator + value + separator
    checksum = bytes([(sum(payload if separator == b"\t" else payload[:-1]) & 0x3F) + 0x20])
    return frame[:start] + payload + checksum + frame[end:]

def test_a_new_serial_is_believed_on_its_second_frame_and_starts_every_per_meter_state_afresh(caplog):
    state = MeterState("linky", stale_after=30)
    hist = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    frames = [f + b"\x03" for f in hist.split(b"\x03") if b"\x02" in f]
    old, new = "021861348497", "021961000042"
    for i, frame in enumerate(frames[:3]):
        feed_bytes(state, frame, now=float(i))
    before = _energy(state.snapshot.fresh_samples(2.0))
    assert before and all(key[1][0] == old for key in before)
    # One frame with another serial (a corrupted ADCO whose checksum passes): ignored.
    feed_bytes(state, _set_group(frames[3], b"ADCO", new.encode()), now=3.0)
    assert _energy(state.snapshot.fresh_samples(3.0)).keys() == before.keys()
    assert state.snapshot.identity["serial"] == old
    feed_bytes(state, frames[4], now=4.0)
    assert state.snapshot.identity["serial"] == old
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    # Two in a row: another meter. Its index is far lower (a new meter): nothing is rejected.
    fresh = [_set_group(_set_group(f, b"ADCO", new.encode()), b"BBRHCJB", b"%09d" % (1000 + i)) for i, f in enumerate(frames[5:8])]
    rejected = state.snapshot.groups["rejected_value"]
    feed_bytes(state, fresh[0], now=5.0)
    assert state.snapshot.identity["serial"] == old
    feed_bytes(state, fresh[1], now=6.0)
    snap = state.snapshot
    assert snap.identity["serial"] == new
    assert _energy(snap.fresh_samples(6.0)) == {}  # the old meter's are gone, the new one's await confirmation
    feed_bytes(state, fresh[2], now=7.0)
    after = _energy(state.snapshot.fresh_samples(7.0))
    assert after and all(key[1][0] == new for key in after)
    assert after[("linky_energy_imported_by_index_joules_total", (new, "supplier", "1"))] == 1001 * 3600
    assert state.snapshot.groups["rejected_value"] == rejected
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and old in warnings[0] and new in warnings[0] and "replaced" in warnings[0]


def test_no_energy_before_the_serial_is_known():
    state = MeterState("linky", stale_after=30)
    hist = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    frames = [f + b"\x03" for f in hist.split(b"\x03") if b"\x02" in f]
    start = frames[0].index(b"\nADCO")
    anonymous = [f[:start] + f[f.index(b"\r", start + 1) + 1 :] for f in frames[:2]]
    for i, frame in enumerate(anonymous):
        feed_bytes(state, frame, now=float(i))
    assert _energy(state.snapshot.fresh_samples(1.0)) == {}
    feed_bytes(state, frames[2], now=2.0)
    feed_bytes(state, frames[3], now=3.0)
    assert {key[1][0] for key in _energy(state.snapshot.fresh_samples(3.0))} == {"021861348497"}


@pytest.mark.parametrize("mode,after", [("historique", "standard"), ("standard", "historique")])
def test_a_mode_switch_keeps_every_energy_series_going(mode, after):
    state = MeterState("linky", stale_after=30)
    url = f"simulated://{mode}?contract=hc&seed=5&start=2024-01-10T21:59&scenario=mode_switch&switch_at=20s"
    seen = feed_emissions(state, url, 40)
    previous: dict = {}
    for samples in seen:
        energy = _energy(samples)
        for key, value in previous.items():
            labels = key[1]
            if key[0] == "linky_reactive_energy_varh_total" or labels[1:2] == ("distributor",) or (
                    labels[1:2] == ("supplier",) and int(labels[2]) > 2):
                continue  # standard only: distributor indexes, reactive energy, supplier indexes 3-10
            assert key in energy, f"{key} stopped at the switch"
            assert energy[key] >= value
        previous = {**previous, **energy}
    assert state.snapshot.identity["mode"] == after
    total = ("linky_energy_imported_joules_total", (state.snapshot.identity["serial"],))
    exposed = seen[-1]
    supplier = sum(v for k, v in _energy(exposed).items() if k[0] == "linky_energy_imported_by_index_joules_total" and k[1][1] == "supplier")
    assert _energy(exposed)[total] == supplier
    assert state.snapshot.groups["rejected_value"] == 0


def test_a_frame_too_long_to_keep_is_counted_as_invalid():
    state = MeterState("linky", stale_after=30)
    data = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    feed_bytes(state, data + b"\x02" + b"A" * 9000 + data, now=1000.0)
    valid = state.snapshot.frames["valid"]
    assert valid > 0 and state.snapshot.frames["invalid"] >= 1
    alone = MeterState("linky", stale_after=30)
    feed_bytes(alone, b"\x02" + b"A" * 9000, now=1000.0)
    assert alone.snapshot.frames["invalid"] == 1


def test_a_source_that_rewinds_then_jumps_under_the_same_serial_moves_no_counter(caplog):
    from linky_exporter.simulator.frames import Field, encode_frame
    from linky_exporter.tic.framing import Mode

    def frame(east_wh: int) -> bytes:
        fields = [Field("ADSC", "041876097389"), Field("VTIC", "02"), Field("EAST", f"{east_wh:09d}"), Field("PCOUP", "09")]
        return encode_frame(fields, Mode.STANDARD)

    state = MeterState("linky", stale_after=30)
    total = ("linky_energy_imported_joules_total", ("041876097389",))
    series = [5_000_000, 5_000_001, 5_000_002, *range(1, 7), *[999_999_999] * 5, 5_000_010, 5_000_011]
    exposed = []
    with caplog.at_level("WARNING", logger="linky_exporter.meter.state"):
        for second, wh in enumerate(series):
            feed_bytes(state, frame(wh), now=1000.0 + second)
            exposed.append(state.snapshot.fresh_samples(1000.0 + second).get(total))
    wh_exposed = [j / 3600 for j in exposed if j is not None]
    assert wh_exposed == sorted(wh_exposed) and max(wh_exposed) == 5_000_010
    assert state.snapshot.groups["rejected_value"] == 11
    lines = [r.getMessage() for r in caplog.records if "under the same serial" in r.getMessage()]
    assert len(lines) == 1 and "went from 5000001 to 3" in lines[0], lines


@pytest.mark.slow
@pytest.mark.parametrize("url", ["simulated://standard?contract=tempo&start=2025-01-14T18:00&speed=60",
                                 "simulated://standard?producer=1&start=2024-06-15T11:00&speed=60"])
def test_active_power_is_never_above_apparent_power_even_on_a_sped_up_meter(url):
    # Frames a simulated minute apart see the load change between them: the
    # estimate's slope can pass 1, but no meter draws more watts than volt-amperes.
    state = MeterState("linky", stale_after=30)
    shown = 0
    for fresh in feed_emissions(state, url, 600, speed=60):
        for direction in ("import", "export"):
            watts = fresh.get(("linky_active_power_watts", (direction,)))
            if watts is not None:
                shown += 1
                assert watts <= fresh[("linky_apparent_power_volt_amperes", (direction,))]
    assert shown > 100


def test_bytes_between_frames_wait_for_the_next_frame_and_a_line_without_frames_shows_them_every_3_s():
    state = MeterState("linky", stale_after=30)
    frames = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    feed_bytes(state, b"\x7f" * 100, now=1000.0)  # the first bytes of a line are shown at once
    assert state.snapshot.bytes == 100
    feed_bytes(state, b"\x7f" * 50, now=1001.0)
    assert state.snapshot.bytes == 100  # bytes alone, a second later: not worth a snapshot
    feed_bytes(state, frames, now=1002.0)
    assert state.snapshot.bytes == 150 + len(frames)  # a frame publishes every byte read so far
    feed_bytes(state, b"\x7f" * 10, now=1004.9)
    assert state.snapshot.bytes == 150 + len(frames)
    feed_bytes(state, b"\x7f" * 10, now=1005.0)  # 3 s without a frame: the bytes are shown alone
    assert state.snapshot.bytes == 170 + len(frames)


def test_what_a_snapshot_exposes_changes_when_its_oldest_fresh_value_goes_stale():
    """The /metrics response cache lasts until then (next_change), at each scrape for every meter."""
    snap = fed_state(now=1000.0).snapshot  # every value read at 1000, stale after 30 s
    first, second = list(snap.samples)[:2]
    samples = dict(snap.samples)
    samples[first] = (1.0, 990.0)
    samples[second] = (2.0, 960.0)
    snap = replace(snap, samples=samples)
    assert snap.next_change(985.0) == 990.0  # all fresh: the oldest goes stale first
    assert snap.next_change(995.0) == 1020.0  # that one is stale already: the next oldest
    assert snap.next_change(1031.0) == float("inf")  # down: nothing more changes
