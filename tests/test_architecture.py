"""The layering rules of DESIGN.md, checked on the source: which package may import which, and Qt in gui only.

The packages form layers along the data's journey. A package may import itself and the packages listed for it
below, nothing else; a new upward import (analysis importing storage, devices importing the simulator) fails
here with the file and the import named.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "forcelab"
QT_MODULES = ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6")

# devices → acquisition → analysis → storage → gui, with compare (sessions over time) on the archive, the
# simulation (synthetic athletes and virtual plates) beside the real device, used only by the demo, the
# command line, the tests and the benches; protocols (test batteries: what to do next) on the analysis' list of
# tests; cli wires everything. Analysis is pure: it imports no other layer.
ALLOWED: dict[str, set[str]] = {
    "devices": set(),
    "analysis": set(),
    "acquisition": {"devices", "analysis"},
    "storage": {"devices", "analysis"},
    "compare": {"analysis", "storage"},
    "simulation": {"devices", "analysis", "storage"},
    "protocols": {"analysis"},
    "gui": {"devices", "acquisition", "analysis", "storage", "compare", "simulation", "protocols"},
    "cli": {"devices", "acquisition", "analysis", "storage", "compare", "simulation", "gui", "protocols"},
}
TOP_LEVEL_MODULES = {"__init__", "__main__"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            if node.module == "forcelab":
                names.extend(f"forcelab.{alias.name}" for alias in node.names)
    return names


def _package_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in SRC.glob("*.py")}
    assert packages - set(ALLOWED) == set(), "add the new package to ALLOWED with the layers it may import"
    assert modules - TOP_LEVEL_MODULES == set(), "top-level modules belong in a package"


def test_packages_import_only_the_layers_below() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        own = _package_of(path)
        if own in TOP_LEVEL_MODULES:
            continue
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "forcelab" or len(parts) < 2:
                continue
            target = parts[1]
            if target not in ALLOWED:
                continue  # forcelab.__version__ and the like: the package root, not a layer
            if target != own and target not in ALLOWED[own]:
                offenders.append(f"{path.relative_to(SRC)}: {own} imports {name}")
    assert offenders == [], "imports across the layering of DESIGN.md:\n" + "\n".join(offenders)


def test_only_gui_imports_qt() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "gui":
            continue
        for name in _imports(path):
            if name.split(".")[0] in QT_MODULES:
                offenders.append(f"{rel}: imports {name}")
    assert offenders == [], "Qt imported outside forcelab.gui:\n" + "\n".join(offenders)


def test_no_print_in_library_code() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "cli":
            continue  # the command line writes to stdout on purpose
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == [], "print() in library code (use logging):\n" + "\n".join(offenders)


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_no_module_imports_itself_back() -> None:
    """No import cycle between modules (a deferred import inside a function counts too: it only hides the
    cycle, as storage.session <-> storage.migrate did)."""
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for imported in _imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not modules[imported].name == "__init__.py":
                deps.add(imported)
        graph[name] = deps
    cycles = set()

    def visit(node: str, stack: list[str], on_stack: set[str], done: set[str]) -> None:
        on_stack.add(node)
        stack.append(node)
        for dep in graph[node]:
            if dep in on_stack:
                cycle = stack[stack.index(dep):]
                i = cycle.index(min(cycle))
                cycles.add(" -> ".join(cycle[i:] + cycle[:i]))
            elif dep not in done:
                visit(dep, stack, on_stack, done)
        stack.pop()
        on_stack.discard(node)
        done.add(node)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [], set(), done)
    assert sorted(cycles) == [], "import cycles:\n" + "\n".join(sorted(cycles))
