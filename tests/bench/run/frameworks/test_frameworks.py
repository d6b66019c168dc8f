"""Framework executors: each framework's own dispatch runs every planned call exactly once, from inside the
framework's module, with sync tools kept sync; labels, knobs and missing frameworks are refused in one line."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib.util
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bench.run.frameworks import FRAMEWORKS, installed, make_framework_executor, resolve_framework
from executors import Guards, ToolCall, UnknownExecutor

#: a framework's own deprecation warnings (LlamaIndex on Pydantic's ``__fields__``) are not what is tested
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: the package whose code must be on the stack when a tool runs (LangGraph's ToolNode.ainvoke runs each
#: tool in a task of its own started by langchain_core's BaseTool.arun, the tool layer LangGraph uses)
PACKAGES = {
    "langgraph": "langgraph",
    "langgraph-async": "langchain_core",
    "pydantic-ai": "pydantic_ai",
    "pydantic-ai-sequential": "pydantic_ai",
    "openai-agents": "agents",
    "adk": "google.adk",
    "adk-pool": "google.adk",
    "genai-afc": "google.genai",
    "smolagents": "smolagents",
    "llamaindex": "llama_index.core",
}


def _needs(label: str) -> None:
    if not installed(label):
        pytest.skip(f"{FRAMEWORKS[label].dist} is not installed")


def _framework_frames() -> set[str]:
    """The top packages of every frame on this thread's stack (and, in a task, the awaiting coroutines')."""
    names: set[str] = set()
    frame = sys._getframe()
    while frame is not None:
        names.add(str(frame.f_globals.get("__name__", "")))
        frame = frame.f_back
    task = None
    with contextlib.suppress(RuntimeError):
        task = asyncio.current_task()
    if task is not None:
        for f in task.get_stack():
            names.add(str(f.f_globals.get("__name__", "")))
        coro: Any = task.get_coro()
        while coro is not None:
            frame = getattr(coro, "cr_frame", None)
            if frame is not None:
                names.add(str(frame.f_globals.get("__name__", "")))
            coro = getattr(coro, "cr_await", None)
    return names


class Counting:
    """A tool that counts its invocations per request id and notes which modules called it."""

    def __init__(self, delay: float = 0.001, native_async: bool = True) -> None:
        self.delay = delay
        self.counts: dict[str, int] = {}
        self.callers: set[str] = set()
        self.sync_calls = 0
        self.lock = threading.Lock()
        if native_async:
            self.acall = self._acall

    def _note(self, request_id: str) -> None:
        with self.lock:
            self.counts[request_id] = self.counts.get(request_id, 0) + 1
            self.callers |= _framework_frames()

    def __call__(self, *, request_id: str) -> dict[str, str]:
        self._note(request_id)
        self.sync_calls += 1
        time.sleep(self.delay)
        return {"id": request_id}

    async def _acall(self, *, request_id: str) -> dict[str, str]:
        self._note(request_id)
        await asyncio.sleep(self.delay)
        return {"id": request_id}


def _calls(n: int) -> list[ToolCall]:
    return [ToolCall(f"c{i}", "api", {"request_id": f"c{i}"}) for i in range(n)]


@pytest.mark.parametrize("label", list(FRAMEWORKS))
@pytest.mark.parametrize("native_async", [True, False])
def test_every_planned_call_runs_once_through_the_framework(
    label: str, native_async: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each planned call is invoked exactly once, from a frame of the framework's own package (or, for a
    sync tool on a pool thread, submitted to the pool from one), results in call order; a sync-only tool is
    called as a sync function."""
    _needs(label)
    tool = Counting(native_async=native_async)
    submit = concurrent.futures.ThreadPoolExecutor.submit

    def noting_submit(pool: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        with tool.lock:
            tool.callers |= _framework_frames()
        return submit(pool, fn, *args, **kwargs)

    monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "submit", noting_submit)
    ex = make_framework_executor(label)
    try:
        calls = _calls(7)
        results = ex.run(calls, {"api": tool})
    finally:
        ex.close()
    assert tool.counts == {c.id: 1 for c in calls}
    assert [r.call.id for r in results] == [c.id for c in calls]
    assert all(r.status == "ok" and r.value == {"id": r.call.id} for r in results)
    package = PACKAGES[label]
    assert any(n == package or n.startswith(package + ".") for n in tool.callers), sorted(tool.callers)
    if not native_async:
        assert tool.sync_calls == len(calls)
    assert ex.last.invocations == {c.id: 1 for c in calls}


def test_a_knob_is_refused_where_the_framework_has_none() -> None:
    """``pydantic-ai@3``: Pydantic AI has no per-turn cap, so @K is one line naming that."""
    with pytest.raises(UnknownExecutor, match="no per-turn concurrency knob"):
        make_framework_executor("pydantic-ai@3")


def test_a_missing_framework_names_its_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """A framework that is not installed is refused with the pip command of its extra."""
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UnknownExecutor, match=r"pip install 'pfcbench\[langgraph\]'"):
        resolve_framework("langgraph")


def test_guards_are_refused_with_a_framework() -> None:
    """pfcbench's guards never wrap a framework's calls: asking for them is refused."""
    with pytest.raises(UnknownExecutor, match="framework executor"):
        resolve_framework("langgraph", guards=Guards())


def test_reference_labels_are_no_frameworks_and_unknown_ones_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reference executor's label is left to ``executors``; ``pydantic-ai@3`` through ``pfcbench run``
    is one line and exit 2."""
    from bench.cli import main

    assert resolve_framework("threaded@4") is None
    argv = ["run", "--scenario", "doc-3apis", "--executor", "pydantic-ai@3", "--out", str(tmp_path / "r")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no per-turn concurrency knob" in err[0]


@pytest.mark.realtime
def test_a_bench_run_files_framework_records_beside_the_reference_ones(tmp_path: Path) -> None:
    """``pfcbench run --executor pydantic-ai``: one record per trial with every planned call once, the
    framework's version in run.json, and the report's method names what framework executors do not get."""
    _needs("pydantic-ai")
    from bench.cli import main
    from reports import read_records

    argv = ["run", "--scenario", "doc-3apis", "--executor", "asyncio", "--executor", "pydantic-ai"]
    assert main([*argv, "--trials", "2", "--time-scale", "0.01", "--out", str(tmp_path)]) == 0
    recs = [r for r in read_records(tmp_path / "results.jsonl") if r.executor == "pydantic-ai"]
    assert len(recs) == 2
    assert all(sorted(c.id for c in r.calls) == ["c0", "c1", "c2"] for r in recs)
    assert all(c.status == "ok" and c.attempts == 1 for r in recs for c in r.calls)
    meta = json.loads((tmp_path / "run.json").read_text())
    assert "pydantic-ai-slim" in meta["frameworks"]
    assert main(["report", str(tmp_path)]) == 0
    assert "without quota knowledge" in (tmp_path / "report.md").read_text()
