"""The conformance suite: its probes measure what a framework does (Pydantic AI and google-genai here, the
others in ``nox -s frameworks``), its CLI refuses bad input in one line, and its page marks each value."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from bench.cli import main
from bench.conformance._probes import order_and_ids, parallel, siblings_on_error, sync_blocks_loop
from bench.conformance._timing import hung, overhead
from bench.run.frameworks import installed
from reports import conformance_markdown

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _needs(label: str) -> None:
    if not installed(label):
        pytest.skip(f"{label} is not installed")


@pytest.mark.realtime
def test_afc_runs_calls_one_after_another() -> None:
    """google-genai's AFC step: ten 50 ms calls take about their sum, one in flight at a time."""
    _needs("genai-afc")
    got = parallel("genai-afc", reps=1, delay=0.02)
    assert got["value"] is False and got["peak"] == 1
    assert got["phase_over_max"]["median"] > 8


@pytest.mark.realtime
def test_pydantic_ai_runs_in_parallel_keeps_order_and_fails_the_turn_on_a_plain_exception() -> None:
    """Pydantic AI: the calls overlap, a sync tool does not block its loop, results keep request order
    and ids, and a plain exception from one call fails the run (its siblings never reach the model)."""
    _needs("pydantic-ai")
    assert parallel("pydantic-ai", reps=1, delay=0.02)["peak"] == 10
    assert sync_blocks_loop("pydantic-ai", reps=1, delay=0.05)["value"] is False
    got = order_and_ids("pydantic-ai")
    assert got["order_kept"]["value"] and got["ids_kept"]["value"]
    errors = siblings_on_error("pydantic-ai")
    assert errors["value"] is False and errors["turn_error"] is not None


@pytest.mark.realtime
def test_overhead_is_paired_per_fan_out_with_an_interval() -> None:
    """The overhead probe gives, per fan-out, a median difference with its order-statistic interval."""
    _needs("genai-afc")
    got = overhead("genai-afc", fan_outs=(1, 10), rounds=6)
    assert set(got) == {"raw", "1", "10"}
    assert got["10"]["n"] == 6 and got["10"]["low"] <= got["10"]["median"] <= got["10"]["high"]


@pytest.mark.realtime
def test_langgraph_step_timeout_invoke_waits_for_the_tool_and_ainvoke_leaves_its_thread() -> None:
    """LangGraph's step_timeout (a 0.1 s budget, a 1 s sync tool): ``.invoke`` returns only when the tool
    is done, ``.ainvoke`` at the budget while the tool's thread runs on; neither gives the model the error."""
    _needs("langgraph")
    sync = hung("langgraph", budget_s=0.1)
    assert sync["hung_contained"]["returned_s"] > 0.9 and sync["hung_contained"]["value"] is False
    assert "TimeoutError" in sync["hung_contained"]["turn_error"]
    assert sync["thread_leak_after_timeout"]["value"] is False
    loop = hung("langgraph-async", budget_s=0.1)
    assert loop["hung_contained"]["returned_s"] < 0.5
    assert loop["hung_contained"]["error_reached_model"] is False
    assert loop["thread_leak_after_timeout"]["value"] is True
    assert loop["thread_leak_after_timeout"]["ran_on_s"] > 0.5
    assert loop["hung_contained"]["still_running_after_wait"] is False  # the probe waited for it


@pytest.mark.realtime
def test_llamaindex_workflow_timeout_fails_the_run_and_leaves_the_sync_tools_thread() -> None:
    """LlamaIndex's workflow ``timeout=`` (0.1 s, a 1 s sync tool): the run fails with WorkflowTimeoutError
    near the budget (measured after a warm turn, not in its start-up) and the tool's thread runs on."""
    _needs("llamaindex")
    got = hung("llamaindex", budget_s=0.1)
    h = got["hung_contained"]
    assert h["returned_s"] < 0.5 and "WorkflowTimeoutError" in h["turn_error"] and "sync_refused" not in h
    assert got["thread_leak_after_timeout"]["value"] is True


@pytest.mark.parametrize("label", ["adk", "adk-pool", "smolagents", "genai-afc"])
def test_a_framework_without_a_timeout_knob_says_so_with_its_version(label: str) -> None:
    """No timeout knob: both timeout properties are n/a with a one-line reason naming the version."""
    got = hung(label)
    for key in ("hung_contained", "thread_leak_after_timeout"):
        reason = got[key]["reason"]
        assert got[key]["value"] is None and reason.startswith("no timeout knob in ") and "\n" not in reason
        assert len(reason.split(": ", 1)[1]) > 20  # the why, not only the fact


def test_an_unknown_framework_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--framework nope``: one line naming the flag and the choices, exit 2, nothing written."""
    assert main(["conformance", "--framework", "nope", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--framework" in err[0] and "langgraph" in err[0]
    assert not (tmp_path / "conformance.json").exists()


def test_an_uninstalled_framework_names_its_install_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A framework asked for but not installed: one line with the pip command, exit 2."""
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert main(["conformance", "--framework", "adk", "--out", str(tmp_path)]) == 2
    assert "pip install 'pfcbench[adk]'" in capsys.readouterr().err


def _row(**over: object) -> dict[str, object]:
    est = {"median": 1.0, "low": 0.9, "high": 1.1, "n": 7}
    row: dict[str, object] = {
        "framework": "x",
        "kind": "loop",
        "knob": None,
        "parallel": {"value": True, "phase_over_max": est, "peak": 10},
        "cap_honoured": {"value": None, "reason": "no per-turn concurrency knob"},
        "sync_blocks_loop": {"value": True, "phase_over_call": est | {"median": 1.9}},
        "hung_contained": {"value": None, "reason": "no knob"},
        "thread_leak_after_timeout": {"value": None, "reason": "no knob"},
        "order_kept": {"value": False, "delivered": ["c2", "c1"], "requested": ["c1", "c2"]},
        "ids_kept": {"value": True, "carried": ["c1", "c2"]},
        "siblings_delivered_on_error": {"value": True, "delivered": 4, "of": 4, "turn_error": None},
        "overhead_us_per_call": {"raw": "asyncio.gather", "1": est, "10": est, "100": est},
    }
    return row | over


def test_the_page_marks_each_cell_against_what_a_careful_user_expects() -> None:
    """✓ where the value is what a careful user expects, ✗ where not, n/a where it does not apply."""
    md = conformance_markdown({"results": {"fw": _row()}, "versions": {"x": "1.0"}})
    row = next(line for line in md.splitlines() if line.startswith("| fw |"))
    assert row == "| fw | 1.0 | ✓ | n/a | ✗ | n/a | n/a | ✗ | ✓ | ✓ |"
    assert "other order: c2,c1" in md and "1.90 [0.90, 1.10]× the call" in md


def test_the_page_renders_from_the_json_alone(tmp_path: Path) -> None:
    """conformance.md and the overhead PNG come from conformance.json with nothing else."""
    from reports import render_conformance

    (tmp_path / "conformance.json").write_text(json.dumps({"results": {"fw": _row()}, "versions": {}}))
    path = render_conformance(tmp_path)
    assert path.read_text().startswith("# Framework conformance")
    assert (tmp_path / "conformance_overhead.png").stat().st_size > 0


def test_a_timed_out_turn_names_its_knob_and_a_thread_outliving_the_wait() -> None:
    """The hung cells say which knob set the budget, how the turn ended, and a thread still running when
    the probe stopped waiting for it."""
    hung_row = {
        "value": False, "knob": "FunctionAgent(timeout=...)", "budget_s": 0.2, "returned_s": 0.21,
        "error_reached_model": False, "turn_error": "WorkflowTimeoutError", "still_running_after_wait": True,
    }  # fmt: skip
    row = _row(hung_contained=hung_row, thread_leak_after_timeout={"value": True, "ran_on_s": 0.0})
    md = conformance_markdown({"results": {"fw": row}, "versions": {}})
    assert "returned at 0.21 s (budget 0.2 s by FunctionAgent(timeout=...)), turn failed" in md
    assert "yes: ran on 0.00 s (still running when the probe stopped waiting)" in md
