"""tests/support/temp_leftovers.py: which new entries of the temporary directory a session left."""

from __future__ import annotations

import os
import subprocess

from ..support.temp_leftovers import leftovers, listing, session_tag

TAG = "s0a1b2c"


def test_new_entries_named_like_ours_are_reported_and_nothing_else(tmp_path):
    folder = tmp_path / "tmp"
    folder.mkdir()
    (folder / f"linky-exporter-{TAG}-old.log").touch()
    before = listing(folder)
    for name in (f"linky-exporter-{TAG}-k8icxbqg.log", "tmp_x3ab9zq",  # ours
                 "linky-exporter-2r1v23pf.log", "linky-exporter-s9f9f9f-1234abcd.log",  # another checkout's suite
                 "tmp.irBOFMPmwD", "pytest-of-root", "pip-build-env-t9eghg61"):  # not named like ours
        (folder / name).touch()
    (folder / f"linky-{TAG}-basetemp").mkdir()
    found = leftovers(before, folder / f"linky-{TAG}-basetemp" / "popen-gw0", os.getpid(), TAG, folder)
    assert found == [f"linky-exporter-{TAG}-k8icxbqg.log", "tmp_x3ab9zq"]


def test_what_another_process_holds_is_its_own_and_what_the_session_holds_is_a_leak(tmp_path):
    folder = tmp_path / "tmp"
    folder.mkdir()
    before = listing(folder)
    (folder / f"linky-{TAG}-left.log").touch()
    (folder / "tmpdir0in_use").mkdir()
    other = subprocess.Popen(["sleep", "60"])  # a session root of which this process is not a descendant
    try:
        with open(folder / f"linky-{TAG}-held.log", "w"), open(folder / "tmpdir0in_use" / "x", "w"):
            assert leftovers(before, tmp_path, other.pid, TAG, folder) == [f"linky-{TAG}-left.log"]
            assert leftovers(before, tmp_path, os.getpid(), TAG, folder) == [
                f"linky-{TAG}-held.log", f"linky-{TAG}-left.log", "tmpdir0in_use"]
    finally:
        other.kill()
        other.wait()


def test_the_session_is_tagged_for_its_workers_and_helpers():
    assert session_tag().startswith("s") and os.environ["LINKY_TEST_SESSION"] == session_tag()
