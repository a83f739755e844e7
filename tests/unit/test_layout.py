"""The test layout: test modules import helpers, never another test module nor benchmarks/.

A helper two test modules need lives in tests/support/ (which benchmarks/ imports too),
so that running or moving one test module never runs or breaks another. tests/ itself
holds only the package's __init__.py and conftest.py beside its folders.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SUPPORT = TESTS / "support"


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


def test_tests_root_holds_no_helper_module():
    loose = sorted(path.name for path in TESTS.glob("*.py") if path.name not in ("__init__.py", "conftest.py"))
    assert not loose, f"move these helpers to tests/support/: {loose}"


def test_helpers_hold_no_tests():
    """A test_ module in tests/support/ would be collected as tests among the helpers."""
    assert SUPPORT.is_dir() and (SUPPORT / "__init__.py").is_file()
    assert sorted(path.name for path in SUPPORT.glob("test_*.py")) == []
