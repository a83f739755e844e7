"""What a test session leaves in the temporary directory, for the session check of tests/conftest.py.

An entry is ours when it is new since the session started, its name looks like ours,
it belongs to our user and it is not the run's pytest basetemp. Names like ours are
``linky*`` names carrying the session's tag (``session_tag()``, which the helpers that
name temporary files, as exporter_process does, put in the name), and ``tmp`` + 8
characters, as Python's tempfile names what it is given no prefix for. The tag keeps the
suite of another checkout running on the same machine, whose files are named alike, from
being taken for ours. Entries another process still uses are left out too: an open file,
or a working directory, held by a process outside this session's process tree. What this
session's own processes still hold at its end is reported: a process left running is a
leak too.

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
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Python tempfile's default names (tmp + 8 of [a-z0-9_]); not mktemp(1)'s tmp.XXXXXXXXXX.
TEMPFILE_DEFAULT = re.compile(r"tmp[a-z0-9_]{8}.*")
#: The variable that carries the session's tag to xdist's workers (and to the helpers).
TAG_VARIABLE = "LINKY_TEST_SESSION"
STATE = "temp-leftovers.json"


def session_tag() -> str:
    """This test session's tag, for the names of its temporary files ("" outside pytest)."""
    return os.environ.get(TAG_VARIABLE, "")


def tag_session() -> None:
    """Give the session a tag (xdist's controller does it first: its workers inherit it)."""
    os.environ.setdefault(TAG_VARIABLE, "s" + secrets.token_hex(3))


def named_like_ours(name: str, tag: str) -> bool:
    return bool(TEMPFILE_DEFAULT.fullmatch(name)) or (name.startswith("linky") and bool(tag) and f"-{tag}-" in name)


def listing(folder: Path | None = None) -> set[str]:
    return set(os.listdir(folder or tempfile.gettempdir()))


def shared_folder(basetemp: Path) -> Path:
    """The folder this run's pytest processes share: the basetemp, or with xdist its parent."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def session_root() -> int:
    """The pid of the process the whole session descends from: xdist's controller, or this one."""
    return os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()


@contextlib.contextmanager
def shared_state(folder: Path) -> Iterator[dict]:
    """The workers' common state, read and written under an exclusive lock."""
    with open(folder / (STATE + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = folder / STATE
        state = json.loads(path.read_text()) if path.exists() else {"running": 0, "before": []}
        yield state
        path.write_text(json.dumps(state))


def _processes() -> dict[int, int]:
    """pid -> parent pid, from /proc (empty where there is none)."""
    parents = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _descendants(root: int, parents: dict[int, int]) -> set[int]:
    tree, grown = {root}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return tree


def _held_by_others(root: int) -> set[str]:
    """Paths open (or working directories) in processes that are not ``root`` nor its descendants."""
    parents = _processes()
    ours = _descendants(root, parents)
    held = set()
    for pid in parents.keys() - ours:
        links = [Path(f"/proc/{pid}/cwd")]
        with contextlib.suppress(OSError):
            links += list(Path(f"/proc/{pid}/fd").iterdir())
        for link in links:
            with contextlib.suppress(OSError):
                held.add(os.readlink(link))
    return held


def leftovers(before: set[str], basetemp: Path, root: int, tag: str, folder: Path | None = None) -> list[str]:
    """The entries of the temporary directory this session (tagged ``tag``) made and left."""
    folder = Path(folder or tempfile.gettempdir())
    basetemp = basetemp.resolve()
    candidates = []
    for name in sorted(listing(folder) - before):
        path = folder / name
        if not named_like_ours(name, tag) or path.resolve() == basetemp or path.resolve() in basetemp.parents:
            continue
        with contextlib.suppress(FileNotFoundError):  # removed meanwhile
            if path.lstat().st_uid == os.getuid():
                candidates.append(path)
    if not candidates:
        return []
    held = _held_by_others(root)
    return [path.name for path in candidates
            if not any(used == str(path) or used.startswith(str(path) + "/") for used in held)]
