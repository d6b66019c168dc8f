"""Python tools: imported from the scenario's folder, declared from their signatures, and run by every
executor exactly once per call, with real durations and errors as data."""

from __future__ import annotations

import importlib
import itertools
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from executors import EXECUTORS, Executor, ToolCall, make_executor
from scenarios import (
    AsyncPythonTool,
    PythonTool,
    ScenarioError,
    build_toolbox,
    close_toolbox,
    declare_callable,
    load_file,
    make_plan,
    scenario_to_dict,
)

_names = (f"pfc_tools_{i}" for i in itertools.count())

#: the module the scenario imports: a sync tool, an async one and one that raises, each counting its calls
MODULE = '''
import asyncio, threading, time
CALLS = []
_LOCK = threading.Lock()

def _count(tool, tag):
    with _LOCK:
        CALLS.append((tool, tag))

def lookup(tag: str, ms: int) -> dict:
    """Look something up slowly (sync)."""
    _count("lookup", tag)
    time.sleep(ms / 1000)
    return {"tag": tag}

async def fetch(tag: str, ms: int) -> dict:
    """Fetch something slowly (async)."""
    _count("fetch", tag)
    await asyncio.sleep(ms / 1000)
    return {"tag": tag}

def broken(tag: str, ms: int) -> dict:
    """Always fails after its work."""
    _count("broken", tag)
    time.sleep(ms / 1000)
    raise ValueError(f"backend refused {tag}")
'''

#: call id -> (tool, milliseconds it sleeps)
CALLS = {
    "a": ("lookup", 60),
    "b": ("fetch", 90),
    "c": ("broken", 30),
    "d": ("lookup", 40),
    "e": ("fetch", 20),
}
SIM_MS = 50  # one simulated tool in the mix


def write_scenario(folder: Path) -> tuple[Path, str]:
    """A scenario file and its tools module side by side (a fresh module name per test)."""
    module = next(_names)
    (folder / f"{module}.py").write_text(MODULE)
    lines = ['name = "pytools"']
    for fn in ("lookup", "fetch", "broken"):
        lines += ["[[tools]]", f'name = "{fn}"', f'python = "{module}:{fn}"']
    lines += ["[[tools]]", 'name = "sim"', f'latency = {{ dist = "constant", ms = {SIM_MS} }}']
    for cid, (tool, ms) in CALLS.items():
        lines += ["[[calls]]", f'id = "{cid}"', f'tool = "{tool}"', f'args = {{ tag = "{cid}", ms = {ms} }}']
    lines += ["[[calls]]", 'id = "s"', 'tool = "sim"']
    path = folder / "pytools.toml"
    path.write_text("\n".join(lines) + "\n")
    return path, module


@pytest.fixture
def scenario_file(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    path, module = write_scenario(tmp_path)
    yield path, module
    sys.modules.pop(module, None)
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def test_declarations_come_from_signature_and_docstring(scenario_file: tuple[Path, str]) -> None:
    """A python tool's declaration is built from its type hints and its docstring's first line."""
    (s,) = load_file(scenario_file[0])
    d = s.tool("fetch").declaration()
    assert d.description == "Fetch something slowly (async)."
    assert d.parameters == {
        "type": "object",
        "properties": {"tag": {"type": "string"}, "ms": {"type": "integer"}},
        "required": ["tag", "ms"],
    }
    assert s.tool("sim").kind == "simulated" and s.tool("fetch").kind == "python"


def weather(
    location: str, unit: Literal["celsius", "fahrenheit"] = "celsius", days: list[int] | None = None
) -> Any:
    """Current weather.

    Args:
        location: City or place,
            e.g. Madrid.
        unit: Temperature unit.

    Returns:
        A report.
    """


@pytest.mark.parametrize("use_genai", [True, False], ids=["google-genai", "inspect"])
def test_both_builders_give_the_same_declaration(use_genai: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """google-genai's builder (really called when asked for) and the inspect fallback agree: enum from
    Literal, nullable from Optional, required from defaults, descriptions from the Args section."""
    built: list[str] = []
    if use_genai:
        types = pytest.importorskip("google.genai.types")
        build = types.FunctionDeclaration.from_callable_with_api_option

        def spy(**kw: Any) -> Any:
            built.append(kw["callable"].__name__)
            return build(**kw)

        monkeypatch.setattr(types.FunctionDeclaration, "from_callable_with_api_option", spy)
    d = declare_callable(weather, use_genai=use_genai)
    assert built == (["weather"] if use_genai else [])
    assert d.description == "Current weather."
    props = d.parameters["properties"]
    assert props["location"] == {"type": "string", "description": "City or place, e.g. Madrid."}
    assert props["unit"] == {
        "type": "string",
        "enum": ["celsius", "fahrenheit"],
        "description": "Temperature unit.",
    }
    assert props["days"] == {"type": "array", "items": {"type": "integer"}, "nullable": True}
    assert d.parameters["required"] == ["location"]


def test_an_undeclarable_signature_is_one_line() -> None:
    """A parameter without a type hint cannot be declared to a model: one line says what hints work."""

    def f(x, y: int = 1) -> None:  # type: ignore[no-untyped-def]
        """F."""

    with pytest.raises(
        ScenarioError, match=r"cannot declare 'f' from its signature .*use type hints str, int"
    ):
        declare_callable(f, use_genai=False)


def test_toolbox_wraps_sync_and_async_functions(scenario_file: tuple[Path, str]) -> None:
    """A sync function has no async twin (event-loop executors give it a thread); an async one has acall,
    and its sync path runs it on a private loop; request_id never reaches the function."""
    (s,) = load_file(scenario_file[0])
    box = build_toolbox(make_plan(s, 1, 0), 1.0)
    assert isinstance(box["lookup"], PythonTool) and not hasattr(box["lookup"], "acall")
    assert isinstance(box["fetch"], AsyncPythonTool)
    assert box["fetch"](request_id="b", tag="x", ms=1) == {"tag": "x"}
    assert box["fetch"](request_id="b", tag="y", ms=1) == {"tag": "y"}  # the same private loop again
    with pytest.raises(ValueError, match="backend refused z"):
        box["broken"](request_id="c", tag="z", ms=1)
    assert [e.outcome for e in box["broken"].log] == ["error"]
    close_toolbox(box)


def test_real_tools_refuse_a_time_scale(scenario_file: tuple[Path, str]) -> None:
    """build_toolbox will not shrink real work (the CLI refuses earlier, in one line)."""
    (s,) = load_file(scenario_file[0])
    with pytest.raises(ValueError, match="does real work; run it at time scale 1"):
        build_toolbox(make_plan(s, 1, 0), 0.5)


def test_python_tools_round_trip(scenario_file: tuple[Path, str]) -> None:
    """A scenario with python tools dumps its references (not the derived params) and loads back equal."""
    import tomllib

    import tomli_w

    from scenarios import parse_scenarios

    (s,) = load_file(scenario_file[0])
    data = tomllib.loads(tomli_w.dumps(scenario_to_dict(s)))
    assert "params" not in data["tools"][0] and data["tools"][0]["python"].endswith(":lookup")
    (back,) = parse_scenarios(data, str(scenario_file[0]), scenario_file[0].parent)
    assert back.tools == s.tools and back.fingerprint() == s.fingerprint()


LABELS = sorted(n for n in EXECUTORS if n not in ("threaded-naive",))


@pytest.mark.realtime
@pytest.mark.parametrize("label", LABELS)
def test_every_executor_runs_python_tools_once_per_call(scenario_file: tuple[Path, str], label: str) -> None:
    """Each executor invokes each tool exactly once per call and trial; durations are what the functions
    slept (within the plan's tolerance: +25% and 5 ms); the raising tool is an error carrying its message;
    the concurrent executors finish in about the slowest call, not the sum."""
    path, module = scenario_file
    (s,) = load_file(path)
    mod = importlib.import_module(module)
    ex: Executor = make_executor(label, time_scale=1.0)
    try:
        for trial in range(2):
            plan = make_plan(s, 1, trial)
            box = build_toolbox(plan, 1.0)
            calls = [ToolCall(c.id, c.tool, dict(c.args), c.after) for c in plan.calls]
            t0 = time.perf_counter()
            results = ex.run(calls, box)
            makespan = time.perf_counter() - t0
            close_toolbox(box)
            _check_results(results, makespan, label)
    finally:
        ex.close()
    expected = sorted((tool, cid) for cid, (tool, _) in CALLS.items()) * 2
    assert sorted(mod.CALLS) == sorted(expected)


def _check_results(results: list[Any], makespan: float, label: str) -> None:
    slept = {cid: ms / 1000 for cid, (_, ms) in CALLS.items()} | {"s": SIM_MS / 1000}
    for r in results:
        took = r.end - r.start
        assert slept[r.call.id] - 0.0005 <= took <= slept[r.call.id] * 1.25 + 0.005, (r.call.id, took)
        if r.call.name == "broken":
            assert (r.status, r.error) == ("error", f"ValueError: backend refused {r.call.id}")
        else:
            assert r.status == "ok", r
    if label in ("threaded", "asyncio"):
        slowest = max(slept.values())
        assert slowest - 0.0005 <= makespan <= slowest * 1.25 + 0.005 * len(results)
    if label == "sequential":
        assert makespan >= sum(slept.values()) - 0.001


def test_a_package_in_the_working_directory_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """python = "package.module:function" resolves from the working directory too, when the scenario file
    lives elsewhere (the scenario's folder and the working directory are both searched, as pytest does)."""
    pkg = next(_names)
    (tmp_path / "work" / pkg).mkdir(parents=True)
    (tmp_path / "work" / pkg / "__init__.py").write_text("")
    (tmp_path / "work" / pkg / "tools.py").write_text(
        'def ping(host: str) -> str:\n    """Ping."""\n    return host\n'
    )
    (tmp_path / "scenarios").mkdir()
    scenario = tmp_path / "scenarios" / "s.toml"
    tools = f'[[tools]]\nname = "ping"\npython = "{pkg}.tools:ping"\n'
    scenario.write_text(f'name = "cwd"\n{tools}[[calls]]\nid = "p"\ntool = "ping"\nargs = {{ host = "h" }}\n')
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setattr(sys, "path", list(sys.path))  # the folders load_file adds are undone with it
    try:
        (s,) = load_file(scenario)
        assert s.tool("ping").func is not None and s.tool("ping").func("x") == "x"
    finally:
        for name in [m for m in sys.modules if m == pkg or m.startswith(pkg + ".")]:
            sys.modules.pop(name)
