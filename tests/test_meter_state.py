"""Per-meter state: freshness, what a frame without a group means, short frames, the guard's counts."""

from __future__ import annotations

from linky_exporter.meter import MeterState
from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.tic.framing import FrameDecoder, FrameResult
from linky_exporter.tic.reading import read_frame

from .captures import fixture_path

EXCEEDED = ("linky_reference_power_exceeded", ())


def feed_emissions(state: MeterState, url: str, count: int, speed: float = 1.0) -> list[dict]:
    """Feed ``count`` simulated frames at their line times; return the fresh samples after each."""
    transmitter = Transmitter(parse_url(url))
    seen = []
    for _ in range(count):
        emission = transmitter.next_emission()
        now = emission.start_us / 1e6
        decoder = FrameDecoder()
        frames = decoder.feed(emission.data)
        state.record_chunk(len(emission.data), [(f, read_frame(f)) for f in frames], clock=now * speed, now=now)
        seen.append(state.snapshot.fresh_samples(now))
    return seen


def feed_bytes(state: MeterState, data: bytes, now: float, clock: float | None = None) -> None:
    frames = FrameDecoder().feed(data)
    pairs = [(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in frames]
    state.record_chunk(len(data), pairs, clock=now if clock is None else clock, now=now)


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
    key = ("linky_energy_imported_joules_total", ())
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
    key = ("linky_energy_imported_by_index_joules_total", ("supplier", "1"))
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


def test_the_collector_drops_a_value_past_its_staleness_without_a_new_snapshot():
    from linky_exporter.collector import LinkyCollector

    state = MeterState("linky", stale_after=30)
    feed_bytes(state, fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes(), now=1000.0)
    clock = [1000.0]
    collector = LinkyCollector([state], clock=lambda: clock[0])

    def exposed() -> dict[str, float]:
        return {s.name: s.value for family in collector.collect() for s in family.samples}

    assert exposed()["linky_up"] == 1 and "linky_apparent_power_volt_amperes" in exposed()
    clock[0] = 1029.9
    assert exposed()["linky_up"] == 1  # same snapshot, still fresh
    clock[0] = 1030.1
    after = exposed()
    assert after["linky_up"] == 0 and "linky_apparent_power_volt_amperes" not in after


def test_the_collector_reports_every_change_of_connection():
    from linky_exporter.collector import LinkyCollector

    state = MeterState("linky", stale_after=30)
    collector = LinkyCollector([state], clock=lambda: 0.0)

    def connected() -> float:
        return next(s.value for f in collector.collect() for s in f.samples if s.name == "linky_exporter_source_connected")

    for flag in [True, False] * 50:  # each change publishes a new snapshot, read by the next scrape
        state.record_connected(flag)
        assert connected() == float(flag)
