"""2 % of groups corrupted at the meter's pace: no corrupted value reaches the metrics, no good frame is lost.

Short form of `python -m benchmarks.corruption` (20,000 frames per layout).
"""

from __future__ import annotations

import pytest

from ..support.corruption_run import LAYOUTS, run

# The corruption campaign's short form: seconds of CPU per layout.
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("layout", LAYOUTS)
def test_corrupted_groups_never_reach_the_metrics(layout):
    outcome = run(layout, frames=600, rate=0.02, seed=5)
    assert outcome.groups_corrupted > 100
    assert outcome.bad_counter_values == set()
    assert outcome.frames_valid_lost == 0
    # Gauges: a value that passes both the checksum and the label table could get
    # through; with this seed none does.
    assert outcome.bad_gauge_values == set()
