"""The named scenarios alerts and dashboards rely on, and determinism."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from linky_exporter.simulator import generate
from linky_exporter.simulator.clock import PARIS, local_datetime
from linky_exporter.tic.framing import FrameResult, Mode
from linky_exporter.tic.interpret import read_frame
from linky_exporter.tic.stge import BreakerState

from ..support.simulated import decode, emissions, transmitter

NOON = datetime(2024, 1, 15, 12, 0, tzinfo=PARIS)


def _window(emission, begin_min: float, end_min: float) -> bool:
    moment = local_datetime(emission.sim_ms)
    return NOON + timedelta(minutes=begin_min) <= moment < NOON + timedelta(minutes=end_min)


def test_reference_power_exceeded_in_standard_mode():
    url = "simulated://standard?start=2024-01-15T12:00&speed=20&scenario=overload&overload_at=1m&overload_for=2m"
    seen = emissions(transmitter(url), 30)
    during = [r for e, _, r in seen if _window(e, 1, 3)]
    outside = [r for e, _, r in seen if not _window(e, 1, 3.2)]
    assert during and outside
    assert all(r.reference_power_exceeded and r.apparent_power_va["import"] > 9000 for r in during)
    assert not any(r.reference_power_exceeded for r in outside)


def test_adps_on_a_single_phase_historique_meter_while_over():
    url = "simulated://historique?start=2024-01-15T12:00&speed=20&scenario=overload&overload_at=1m&overload_for=2m"
    seen = emissions(transmitter(url), 12)
    for emission, frame, reading in seen:
        over = _window(emission, 1, 3)
        assert ("ADPS" in frame.groups) is over
        assert reading.reference_power_exceeded is over
        if over:
            assert reading.overcurrent_warning_a[1] > 45


def test_three_phase_short_frame_bursts_until_a_minute_after_the_last_overcurrent():
    url = (
        "simulated://historique?phases=3&start=2024-01-15T12:00&speed=10&seed=2"
        "&scenario=overload&overload_at=1m&overload_for=2m"
    )
    seen = emissions(transmitter(url), 120)
    kinds = "".join("s" if r.short_frame else "L" for _, _, r in seen)
    first_short = kinds.index("s")
    assert _window(seen[first_short][0], 1, 1.4)  # a long frame lasts ~20 simulated s here
    runs = [run for run in kinds[first_short:].split("L") if run]
    assert runs and all(run == "s" * 20 for run in runs)  # 20 short frames, then 1 long
    last_short = kinds.rindex("s")
    # A cycle starts only within a minute of an over-current (ends at 12:03).
    cycle_starts = [i for i in range(first_short, last_short + 1) if kinds[i] == "s" and kinds[i - 1] == "L"]
    assert all(_window(seen[i][0], 1, 4) for i in cycle_starts)
    assert not _window(seen[-1][0], 0, 5)  # the run went well past the end
    assert "s" not in kinds[last_short + 2 :]
    for emission, frame, reading in seen[first_short : first_short + 20]:
        assert list(frame.groups) == ["ADIR1", "ADIR2", "ADIR3", "ADCO", "IINST1", "IINST2", "IINST3"]
        if _window(emission, 1, 3):  # the cycle outlives the over-current; then ADIRx = 000
            assert max(reading.overcurrent_warning_a.values()) > 20


def test_breaker_open_cuts_the_power_and_shows_in_stge():
    url = (
        "simulated://standard?producer=1&start=2024-06-15T12:00&speed=20"
        "&scenario=breaker_open&breaker_at=1m&breaker_for=2m"
    )
    seen = emissions(transmitter(url), 30)
    for emission, frame, reading in seen:
        moment = local_datetime(emission.sim_ms)
        start = datetime(2024, 6, 15, 12, tzinfo=PARIS)
        open_ = start + timedelta(minutes=1) <= moment < start + timedelta(minutes=3)
        assert (reading.status.breaker is BreakerState.OPEN_OVERPOWER) is open_
        if open_:
            assert reading.apparent_power_va == {"import": 0, "export": 0}
            assert reading.current_a == {1: 0}
            assert not reading.relays[1]


def test_overvoltage_sets_urms_and_the_stge_bit():
    url = "simulated://standard?phases=3&start=2024-01-15T12:00&speed=20&scenario=overvoltage&overvoltage_volts=262"
    seen = emissions(transmitter(url), 30)
    for emission, _, reading in seen:
        over = _window(emission, 1, 6)
        assert reading.status.overvoltage is over
        assert (reading.voltage_v == {1: 262, 2: 262, 3: 262}) is over
        if not over:
            assert all(220 < v < 240 for v in reading.voltage_v.values())


def test_silent_meter_stops_sending():
    tx = transmitter("simulated://historique?start=2024-01-15T12:00&scenario=silent&silent_at=1m")
    seen = emissions(tx, 1000)
    assert 30 < len(seen) < 60  # a frame every ~1.3 s
    assert all(_window(e, 0, 1) for e, _, _ in seen)
    assert tx.next_emission() is None and tx.silent


def test_mode_switch_from_historique_to_standard():
    tx = transmitter("simulated://historique?contract=hc&start=2024-01-15T12:00&scenario=mode_switch&switch_at=20s")
    seen = emissions(tx, 30)
    modes = [frame.mode for _, frame, _ in seen]
    switch = modes.index(Mode.STANDARD)
    assert set(modes[:switch]) == {Mode.HISTORIQUE} and set(modes[switch:]) == {Mode.STANDARD}
    assert {e.baud for e, _, _ in seen[:switch]} == {1200} and {e.baud for e, _, _ in seen[switch:]} == {9600}
    assert _window(seen[switch][0], 20 / 60, 22 / 60)
    # The same indexes on both sides of the switch.
    assert seen[switch - 1][2].supplier_energy_wh[2] <= seen[switch][2].supplier_energy_wh[2]


def test_meter_swap_puts_another_serial_on_the_same_line_with_its_own_truth():
    tx = transmitter("simulated://standard?contract=hc&seed=3&start=2024-01-15T21:00&speed=20"
                     "&scenario=meter_swap&swap_at=5m&swap_seed=4")
    seen = emissions(tx, 40)
    serials = [r.serial for _, _, r in seen]
    swap = serials.index(serials[-1])
    assert len(set(serials)) == 2 and set(serials[swap:]) == {serials[-1]}
    assert _at(seen[swap][0]) >= datetime(2024, 1, 15, 21, 5, tzinfo=PARIS) > _at(seen[swap - 1][0])
    old, new = tx.meters
    assert (old.address, new.address) == (serials[0], serials[-1])
    assert new.config.seed == 4 and new.config.scenarios.names == ()
    # Each meter's registers are its own truth; the old one's stop at the swap, after its last frame.
    assert seen[swap - 1][2].energy_imported_wh <= math.floor(old.truth().imported_wh) < seen[swap - 1][2].energy_imported_wh + 20
    assert seen[-1][2].energy_imported_wh == math.floor(new.truth().imported_wh)
    assert old.truth().time_ms == round(datetime(2024, 1, 15, 21, 5, tzinfo=PARIS).timestamp() * 1000)


def test_a_fresh_meter_starts_at_zero():
    tx = transmitter("simulated://historique?contract=hc&seed=3&start=2024-01-15T21:00&speed=20"
                     "&scenario=meter_swap&swap_at=1m&swap_fresh=1")
    seen = emissions(tx, 20)
    assert seen[0][2].energy_imported_wh > 1_000_000
    assert seen[-1][2].serial == tx.meters[1].address != seen[0][2].serial
    assert seen[-1][2].energy_imported_wh < 1000
    assert tx.meters[1].config.seed == 4  # seed + 1 by default


def test_swap_options_are_checked():
    import pytest

    with pytest.raises(ValueError, match="^swap_seed: gives the same serial"):
        transmitter("simulated://standard?seed=3&scenario=meter_swap&swap_seed=10003")
    with pytest.raises(ValueError, match="^swap_fresh: bad value"):
        transmitter("simulated://standard?scenario=meter_swap&swap_fresh=2")
    with pytest.raises(ValueError, match="^swap_at: this option needs scenario=meter_swap"):
        transmitter("simulated://standard?swap_at=1m")


def _at(emission) -> datetime:
    return local_datetime(emission.sim_ms)


def test_noise_rates_parity_and_eot_interruptions():
    url = "simulated://standard?start=2024-01-15T12:00&seed=3&scenario=noise&noise_rate=0.002&eot_rate=0.1&parity=1"
    tx = transmitter(url)
    data = tx.generate(400)
    assert all(bin(byte).count("1") % 2 == 0 for byte in data)  # even parity in bit 7
    rate = tx.bytes_corrupted / len(data)
    assert 0.0015 < rate < 0.0025, rate
    assert 25 < tx.frames_interrupted < 55
    frames, decoder = decode(data)
    assert decoder.stats.frames_interrupted >= tx.frames_interrupted * 0.9
    assert decoder.stats.groups_bad_checksum > 0
    valid = [f for f in frames if f.result is FrameResult.VALID]
    assert 0.3 * 400 < len(valid) < 0.95 * 400
    # What survives is still right: no valid group has a value the label table rejects
    # beyond the 1-in-64 chance of a corrupted group passing its checksum.
    rejected = sum(len(read_frame(f).rejected) + len(read_frame(f).unknown) for f in valid)
    assert rejected <= decoder.stats.groups_bad_checksum / 10


def test_parity_alone_does_not_disturb_a_masking_decoder():
    data = generate("simulated://historique?scenario=noise&noise_rate=0&eot_rate=0&parity=1", 20)
    assert any(byte & 0x80 for byte in data)
    frames, decoder = decode(data)
    assert decoder.stats.frames_valid == 20 and decoder.stats.groups_bad_checksum == 0


@pytest.mark.slow
def test_same_seed_same_bytes():
    url = "simulated://standard?phases=3&producer=1&contract=tempo&start=2024-01-15T19:00&speed=300&seed=42"
    assert generate(url, 40) == generate(url, 40)
    noisy = "simulated://historique?start=2024-01-15T19:00&seed=42&scenario=noise"
    assert generate(noisy, 40) == generate(noisy, 40)
    assert generate(url, 40) != generate(url.replace("seed=42", "seed=43"), 40)


def test_fixed_load_replaces_the_household_with_known_active_and_apparent_power():
    url = "simulated://standard?start=2024-01-15T12:00&scenario=fixed_load&watts=300,2000&pf=0.75,1&load_every=10s"
    sim = transmitter(url)
    seen = []
    for _ in range(25):
        (_, _, reading), = emissions(sim, 1)
        truth = sim.meter.truth()
        seen.append((truth.import_w, truth.import_va, reading.apparent_power_va["import"]))
    assert {(w, va) for w, va, _ in seen} == {(300, 400), (2000, 2000)}
    assert all(sent == va for _, va, sent in seen)  # SINSTS is the truth's VA


def test_a_silence_with_silent_for_ends_and_the_meter_kept_counting():
    tx = transmitter("simulated://standard?contract=hc&seed=3&start=2024-01-15T21:00&speed=20"
                     "&scenario=silent&silent_at=1m&silent_for=2m")
    seen = emissions(tx, 60)
    times = [_at(e) for e, _, _ in seen]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    assert max(gaps) >= 120 and sorted(gaps)[-2] < 60  # one silence of two minutes
    silence = gaps.index(max(gaps))
    assert times[silence] < datetime(2024, 1, 15, 21, 1, tzinfo=PARIS) <= times[silence + 1] - timedelta(minutes=2)
    assert seen[silence + 1][0].start_us >= 180 / 20 * 1e6  # in line time too: paced, the line is silent
    assert seen[-1][2].energy_imported_wh == math.floor(tx.meter.truth().imported_wh)


def test_mode_switch_back_from_standard_to_historique():
    tx = transmitter("simulated://standard?contract=hc&start=2024-01-15T12:00&scenario=mode_switch&switch_at=10s")
    seen = emissions(tx, 40)
    modes = [frame.mode for _, frame, _ in seen]
    switch = modes.index(Mode.HISTORIQUE)
    assert set(modes[:switch]) == {Mode.STANDARD} and set(modes[switch:]) == {Mode.HISTORIQUE}
    assert {e.baud for e, _, _ in seen[switch:]} == {1200}
    before, after = seen[switch - 1][2], seen[switch][2]
    assert before.serial == after.serial
    assert before.supplier_energy_wh[1] <= after.supplier_energy_wh[1] and before.supplier_energy_wh[2] <= after.supplier_energy_wh[2]
    assert after.energy_imported_wh == after.supplier_energy_wh[1] + after.supplier_energy_wh[2]
