"""The test layout: test modules import helpers, never another test module nor benchmarks/.

A helper two test modules need lives in a helper module of tests/ (which benchmarks/
imports too), so that running or moving one test module never runs or breaks another.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_test_modules_import_neither_each_other_nor_benchmarks():
    offending = {}
    for path in sorted(TESTS.rglob("*.py")):
        bad = sorted(name for name in imported_modules(path)
                     if name.split(".")[-1].startswith("test_") or name.lstrip(".").split(".")[0] == "benchmarks")
        if bad:
            offending[str(path.relative_to(TESTS))] = bad
    assert not offending, f"import a helper module instead: {offending}"
