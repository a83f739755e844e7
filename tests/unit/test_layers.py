"""The package's layers: every import points down the data path, and no two modules import each other.

The layers, lowest first (docs/architecture.md draws them). A module may import a
module of its own layer or of a layer below it, never one above: imports inside
functions and under TYPE_CHECKING count, and so does ``import_module`` of a
constant name. Within a layer, modules may import each other in one direction
only: any circle of imports, in a layer or across layers, fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import linky_exporter

PACKAGE = Path(linky_exporter.__file__).resolve().parent

#: Lowest first. ``linky_exporter`` is the package's __init__ (its version only).
LAYERS = (
    "linky_exporter",  # the version
    "grammar",  # how a duration and a host:port are written
    "tic",  # the protocol: framing, labels, the Reading model (pure, no I/O)
    "metrics",  # the catalogue and the samples a reading gives
    "sources",  # lines: serial, capture, mode detection, the probe
    "simulator",  # a source of its own (plugged into sources by scheme)
    "meter",  # per-meter state and the reading loop
    "config",  # settings, their errors, the YAML file, flags, logging
    "web",  # HTTP transport, TLS, auth, limits
    "exposition",  # the collector and the web app
    "report",  # the history report: contracts, prices, headroom, gaps (linky-exporter report)
    "commands",  # the subcommands
    "cli",  # the command line and ``python -m``
)
#: Modules at the package's root besides __init__.py, and their layer.
ROOT_MODULES = {"cli": "cli", "__main__": "cli"}

#: The one place a lower layer names a higher one: sources/plugged.PROVIDERS maps a
#: URL scheme to the module that provides it, imported only when such a source is
#: given (so an exporter on a real meter never loads the simulator). The provider
#: implements plugged.PluggedSource and imports sources/, never the reverse.
PLUGGED = {"linky_exporter.sources.plugged": {"linky_exporter.simulator.source"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "linky_exporter"
    if len(parts) == 2 and parts[1] in ROOT_MODULES:
        return ROOT_MODULES[parts[1]]
    return parts[1]


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``module`` imports, wherever in the file (functions, TYPE_CHECKING)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(node, module, path.name == "__init__.py")
            for alias in node.names:
                target = f"{source}.{alias.name}"
                found.add(target if target in known else source)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
    return {name for name in found if name in known and name != module}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {module: imports_of(module, path, set(found)) for module, path in found.items()}


def climbs(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a module of a higher layer, as 'importer -> imported (layer -> layer)'."""
    rank = {layer: index for index, layer in enumerate(LAYERS)}
    return [
        f"{importer} -> {imported} ({layer_of(importer)} -> {layer_of(imported)})"
        for importer, targets in sorted(graph.items())
        for imported in sorted(targets)
        if rank[layer_of(imported)] > rank[layer_of(importer)]
    ]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that reach each other through imports (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_package_and_root_module_has_a_layer():
    packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert packages <= set(LAYERS), f"place each new package in LAYERS: {sorted(packages - set(LAYERS))}"
    root = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert root == set(ROOT_MODULES), f"the package's root holds only the command line: {sorted(root)}"


def test_no_import_climbs_a_layer():
    assert climbs(import_graph()) == []


def test_no_import_circle():
    assert circles(import_graph()) == []


def test_the_plugged_sources_name_modules_above_that_provide_a_source():
    from linky_exporter.sources import plugged

    assert set(plugged.PROVIDERS.values()) == PLUGGED["linky_exporter.sources.plugged"]
    graph = import_graph()
    for provider in plugged.PROVIDERS.values():
        assert layer_of(provider) != "sources" and "linky_exporter.sources.plugged" not in graph[provider]
        module = __import__(provider, fromlist=["check"])
        assert all(callable(getattr(module, name, None)) for name in ("check", "likely_mode", "open_line"))


def test_the_checks_see_a_climb_and_a_circle():
    # The checks themselves, on a graph with one of each planted.
    graph = {
        "linky_exporter.tic.frame": {"linky_exporter.meter.state"},  # tic -> meter: a climb
        "linky_exporter.meter.state": {"linky_exporter.meter.energy"},
        "linky_exporter.meter.energy": {"linky_exporter.meter.state"},  # a circle within a layer
    }
    assert climbs(graph) == ["linky_exporter.tic.frame -> linky_exporter.meter.state (tic -> meter)"]
    assert circles(graph) == [["linky_exporter.meter.energy", "linky_exporter.meter.state"]]


def test_imports_inside_functions_and_under_type_checking_count(tmp_path):
    path = tmp_path / "example.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..meter import state\n"
        "def later():\n    from ..config.settings import Prices\n"
        "    import_module('linky_exporter.web.tls')\n"
    )
    known = {"linky_exporter.meter.state", "linky_exporter.config.settings", "linky_exporter.web.tls"}
    assert imports_of("linky_exporter.tic.example", path, known) == known
