"""The short form of the fuzzing campaign (the long one: python -m benchmarks.fuzz --inputs 1000000)."""

from __future__ import annotations

import pytest

from ..support.fuzzing import Report, fuzz_counters, fuzz_decoder

# The fuzzing campaign's short form: seconds of CPU.
pytestmark = pytest.mark.slow


def test_twenty_thousand_mutated_inputs_break_no_promise():
    report = Report()
    fuzz_decoder(20_000, seed=2, report=report)
    assert report.failures == []
    assert report.inputs == 20_000
    # The campaign does reach the interesting paths.
    assert report.frames_valid > 1000 and report.groups_bad_checksum > 1000 and report.groups_malformed > 1000
    assert report.values_rejected > 0


def test_energy_counters_never_go_back_nor_jump_under_mutation():
    report = Report()
    fuzz_counters(1500, seed=3, report=report)
    assert report.failures == []
    assert report.counter_checks > 10_000
