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


def _graph() -> dict[str, set[str]]:
    """Every import of every module, inside functions and under ``TYPE_CHECKING`` too: a deferred import
    is still a dependency (it only moves the failure from import time to the first call). A module's own
    packages are left out: Python imports them before it whatever it says (``from reports import _fmt``)."""
    mods = _modules()
    return {
        m: {n for n in _imports(p) if n in mods and n != m and not m.startswith(n + ".")}
        for m, p in mods.items()
    }


def _same_package(a: str, b: str) -> bool:
    """A package face importing its own modules, and they importing a sibling through it: one package."""
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_no_import_cycles() -> None:
    """No cycle among all imports of our modules, function-level and TYPE_CHECKING ones included (a face
    and its own modules are one package, not a cycle)."""
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(u: str, path: list[str]) -> None:
        state[u] = 1
        path.append(u)
        for v in sorted(graph[u]):
            if state.get(v) == 1:
                cyc = [*path[path.index(v) :], v]
                if not all(_same_package(a, b) for a, b in itertools.pairwise(cyc)):
                    cycles.append(cyc)
            elif v not in state:
                visit(v, path)
        path.pop()
        state[u] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert cycles == []


#: the wings of ``bench`` and those each may import (docs/architecture.md): cli > advise | load > run >
#: models | traces, and history (which reads results files through reports, like a report) under cli only; siblings import neither each other nor anything above them, and nothing imports cli
WINGS = {
    "cli": {"advise", "load", "history", "run", "models", "traces"},
    "history": set(),
    "advise": {"run", "models", "traces"},
    "load": {"run", "models", "traces"},
    "run": {"models", "traces"},
    "models": set(),
    "traces": set(),
}


def _wing(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "bench" and len(parts) > 1 and parts[1] in WINGS else None


def test_wings_import_in_their_order() -> None:
    """Every import between bench's wings (function-level ones too) points down the wing order."""
    bad = [
        f"{m} -> {n}"
        for m, names in _graph().items()
        for n in names
        if (w := _wing(m)) is not None and (v := _wing(n)) is not None and v != w and v not in WINGS[w]
    ]
    assert bad == []


def test_every_wing_is_named_in_the_rules() -> None:
    """A new wing under bench/ gets its place in the order here before it is used."""
    found = {p.name for p in (ROOT / "bench").iterdir() if (p / "__init__.py").is_file()}
    assert found <= set(WINGS), sorted(found - set(WINGS))


def test_executors_are_built_only_by_executors_and_bench_run() -> None:
    """``make_executor(`` is called only in executors/ and bench/run/: every other entry point describes
    its run as a RunConfig (executor specs) and bench.run assembles it."""
    bad = [
        str(path.relative_to(ROOT))
        for pkg in ("bench", "scenarios", "reports", "tools")
        for path in (ROOT / pkg).rglob("*.py")
        if "make_executor(" in path.read_text(encoding="utf-8")
        and not path.is_relative_to(ROOT / "bench" / "run")
    ]
    assert bad == []


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
