"""The conformance suite: its probes measure what a framework does (Pydantic AI and google-genai here, the
others in ``nox -s frameworks``), its CLI refuses bad input in one line, and its page marks each value."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from bench.cli import main
from bench.conformance._probes import order_and_ids, parallel, siblings_on_error, sync_blocks_loop
from bench.conformance._timing import overhead
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
