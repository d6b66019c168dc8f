"""The import rules of docs/architecture.md, checked on the source: one-way package imports, no private
module imported from outside its package, argparse and bench.cli only in the CLI, no import cycles."""

from __future__ import annotations

import ast
import importlib
import itertools
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bench", "scenarios", "executors", "reports")
#: what each package may import of ours (besides itself)
ALLOWED = {
    "bench": {"scenarios", "executors", "reports"},
    "scenarios": set(),
    "executors": set(),
    "reports": set(),
}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*.py"):
            parts = list(p.relative_to(ROOT).with_suffix("").parts)
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _imports(path: Path, *, top_level_only: bool = False) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


def test_packages_import_one_way_and_no_private_module_of_another() -> None:
    """bench -> scenarios, executors, reports only; a ``_module`` is imported only inside its package."""
    bad = []
    for mod, path in _modules().items():
        pkg = mod.split(".")[0]
        for name in _imports(path):
            top = name.split(".")[0]
            if top in PACKAGES and top != pkg and top not in ALLOWED[pkg]:
                bad.append(f"{mod} -> {name}")
            parts = name.split(".")
            private = next(
                (i for i, s in enumerate(parts) if s.startswith("_") and not s.startswith("__")), None
            )
            if top in PACKAGES and private is not None:
                owner = ".".join(parts[:private])
                if not (mod == owner or mod.startswith(owner + ".")):
                    bad.append(f"{mod} -> {name}")
    assert bad == []


def test_only_the_cli_parses_arguments() -> None:
    """No module outside bench.cli imports argparse or bench.cli (``python -m bench`` is the entry)."""
    bad = [
        f"{mod} -> {name}"
        for mod, path in _modules().items()
        if not mod.startswith("bench.cli") and mod != "bench.__main__"
        for name in _imports(path)
        if name.split(".")[0] == "argparse" or name.startswith("bench.cli")
    ]
    assert bad == []


def test_no_import_cycles() -> None:
    """Module-level imports between our modules form no cycle (a package face importing its own modules,
    and they importing a sibling through it, is one package, not a cycle)."""
    mods = _modules()
    graph = {
        m: {n for n in _imports(p, top_level_only=True) if n in mods and n != m} for m, p in mods.items()
    }
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(u: str, path: list[str]) -> None:
        state[u] = 1
        path.append(u)
        for v in graph[u]:
            if state.get(v) == 1:
                cyc = [*path[path.index(v) :], v]
                if not all(
                    b.startswith(a + ".") or a.startswith(b + ".") for a, b in itertools.pairwise(cyc)
                ):
                    cycles.append(cyc)
            elif v not in state:
                visit(v, path)
        path.pop()
        state[u] = 2

    for m in graph:
        if m not in state:
            visit(m, [])
    assert cycles == []


def test_tests_use_public_faces() -> None:
    """A test imports a package's ``_module`` only from the test folder that mirrors that package (a whitebox
    test of a private helper), and never for a name the package's face exports."""
    bad = []
    for path in (ROOT / "tests").rglob("*.py"):
        mirrored = ".".join(path.relative_to(ROOT / "tests").parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                continue
            parts = node.module.split(".")
            if parts[0] not in PACKAGES:
                continue
            names = [a.name for a in node.names]
            private = next((i for i, s in enumerate(parts) if s.startswith("_")), None)
            owner = node.module if private is None else ".".join(parts[:private])
            if private is None and not any(n.startswith("_") for n in names):
                continue
            where = f"{path.relative_to(ROOT)}: from {node.module} import {', '.join(names)}"
            if not (mirrored == owner or mirrored.startswith(owner + ".")):
                bad.append(where)
            face = set(getattr(importlib.import_module(owner), "__all__", ()))
            if private is not None and face & set(names):
                bad.append(f"{where} ({', '.join(sorted(face & set(names)))} from {owner})")
    assert bad == []
