"""The shell blocks of README.md, README.fr.md and docs/ cannot drift from the code.

Every block marked runnable (a fence written ```sh runnable) runs here, from the
top of the checkout with this environment's ``linky-exporter`` first on PATH and a
temporary HOME, and must succeed. In every shell block, each path of this
repository it names must exist, and each flag given to ``linky-exporter`` must be a
flag of that subcommand.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "README.fr.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(sh|bash|shell|console)([^\n]*)\n(.*?)^```", re.M | re.S)
PATH_TOKEN = re.compile(r"(?<![\w./~-])((?:deploy|docs|scripts|tests|benchmarks|linky_exporter)/[\w./*{}-]*[\w*}])")
COMMANDS = ("serve", "decode", "probe", "record", "simulate", "report", "deploy-files")


def blocks() -> list[tuple[str, str, bool]]:
    """(where, text, runnable) of every shell block."""
    found = []
    for doc in DOCS:
        text = doc.read_text()
        for match in FENCE.finditer(text):
            line = text[: match.start()].count("\n") + 1
            found.append((f"{doc.relative_to(ROOT)}:{line}", match.group(3), "runnable" in match.group(2).split()))
    return found


BLOCKS = blocks()
RUNNABLE = [(where, text) for where, text, runnable in BLOCKS if runnable]


def commands_of(text: str) -> list[str]:
    """Shell lines with continuations joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line.split(" #", 1)[0].strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@cache
def flags_of(command: str) -> frozenset[str]:
    help_text = subprocess.run([sys.executable, "-m", "linky_exporter", command, "--help"], capture_output=True, text=True,
                               check=True).stdout
    return frozenset(re.findall(r"(--[a-z][a-z0-9.-]*)", help_text)) | {"--help", "--version"}


def test_some_blocks_are_runnable():
    assert len(RUNNABLE) >= 2


@pytest.mark.parametrize(("where", "text"), RUNNABLE, ids=[where for where, _ in RUNNABLE])
def test_a_runnable_block_runs(where, text, tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{where}:\n{text}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"


def test_every_path_a_block_names_exists():
    missing = []
    for where, text, _ in BLOCKS:
        for token in PATH_TOKEN.findall(text):
            pattern = token.rstrip(".")
            if "{" in pattern:
                continue  # a placeholder such as deploy/{a,b}
            if not (list(ROOT.glob(pattern)) if "*" in pattern else (ROOT / pattern).exists()):
                missing.append(f"{where}: {token}")
    assert missing == []


def test_every_flag_given_to_linky_exporter_exists():
    wrong = []
    for where, text, _ in BLOCKS:
        for line in commands_of(text):
            for call in re.findall(r"linky-exporter((?:\s+[^|;&]+)?)", line):
                words = call.split()
                command = words[0] if words and words[0] in COMMANDS else "serve"
                for flag in re.findall(r"(?<![\w-])(--[a-z][a-z0-9.-]*)", call):
                    if flag not in flags_of(command):
                        wrong.append(f"{where}: linky-exporter {command} {flag}")
    assert wrong == []
