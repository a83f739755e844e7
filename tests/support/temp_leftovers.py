"""What a test session leaves in the temporary directory, for the session check of tests/conftest.py.

The session has a tag (``session_tag()``), set before xdist starts its workers so they
inherit it. The names the session gives to temporary entries carry it: exporter_process
puts it in the exporter logs' names, and tests/conftest.py makes it part of the default
prefix of Python's tempfile in the test processes (``tmp-TAG-...`` where tempfile would
write ``tmp...``). An entry is the session's when it is new since the session started and
its name is ``linky*`` or ``tmp*`` with the tag in it; pytest's basetemp is left out. The
tag is what tells ours from the files of everything else on the machine, the suite of
another checkout first, whose names are alike: a check on names alone would fail a
session for what another process writes meanwhile.

With pytest-xdist each worker runs the session fixture, and a worker that finishes early
would see the files of tests still running on the others. So the workers of one run
share a small state file in the run's basetemp (under a lock): the first to start lists
the directory, the last to finish checks it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: The variable that carries the session's tag to xdist's workers (and to the helpers).
TAG_VARIABLE = "LINKY_TEST_SESSION"
STATE = "temp-leftovers.json"


def session_tag() -> str:
    """This test session's tag, for the names of its temporary entries ("" outside pytest)."""
    return os.environ.get(TAG_VARIABLE, "")


def tag_session() -> str:
    """Give the session a tag unless it has one (xdist's workers inherit the controller's)."""
    return os.environ.setdefault(TAG_VARIABLE, "s" + secrets.token_hex(3))


def tag_tempfile_names(tag: str) -> None:
    """Put ``tag`` in the names Python's tempfile makes in this process when given no prefix."""
    tempfile.template = f"tmp-{tag}-"


def named_like_ours(name: str, tag: str) -> bool:
    return bool(tag) and name.startswith(("linky", "tmp")) and f"-{tag}-" in name


def listing(folder: Path | None = None) -> set[str]:
    return set(os.listdir(folder or tempfile.gettempdir()))


def shared_folder(basetemp: Path) -> Path:
    """The folder this run's pytest processes share: the basetemp, or with xdist its parent."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


@contextlib.contextmanager
def shared_state(folder: Path) -> Iterator[dict]:
    """The workers' common state, read and written under an exclusive lock."""
    with open(folder / (STATE + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = folder / STATE
        state = json.loads(path.read_text()) if path.exists() else {"running": 0, "before": []}
        yield state
        path.write_text(json.dumps(state))


def leftovers(before: set[str], basetemp: Path, tag: str, folder: Path | None = None) -> list[str]:
    """The entries of the temporary directory that the session tagged ``tag`` made and left."""
    folder = Path(folder or tempfile.gettempdir())
    basetemp = basetemp.resolve()
    return [name for name in sorted(listing(folder) - before)
            if named_like_ours(name, tag) and (folder / name).resolve() not in (basetemp, *basetemp.parents)]
