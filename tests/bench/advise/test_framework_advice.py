"""``advise --framework``: the best configuration in the framework's own settings, and what it cannot do."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.advise import framework_advice, read_conformance
from scenarios import load_catalog


def test_a_knob_takes_the_best_configurations_concurrency() -> None:
    """OpenAI Agents' knob is set to the K of ``threaded@4``; LangGraph's .invoke likewise."""
    sc = load_catalog()["doc-10apis"]
    lines = framework_advice("openai-agents", "threaded@4", sc)
    assert "- Do: set `max_function_tool_concurrency=4`, the concurrency of `threaded@4`." in lines
    assert not any(line.startswith("- Cannot") for line in lines)


def test_what_the_framework_cannot_do_is_said() -> None:
    """No per-turn knob, no hedge, no quota knowledge on a quota scenario: each is a Cannot line."""
    sc = load_catalog()["doc-10apis-ratelimited"]
    lines = framework_advice("pydantic-ai", "threaded@5+hedge-p95+timeout-p99", sc)
    text = "\n".join(lines)
    assert "no per-turn concurrency knob" in text and "hedge" in text and "quota" in text
    assert "set `Tool(timeout=...)`" in text


def test_measured_gaps_come_from_the_conformance_file(tmp_path: Path) -> None:
    """A ✗ in conformance.json becomes a Cannot line naming the measured value; a bad file is one line."""
    (tmp_path / "conformance.json").write_text(
        '{"results": {"smolagents": {"order_kept": {"value": false}, "parallel": {"value": true}}}}'
    )
    doc = read_conformance(tmp_path)
    lines = framework_advice("smolagents", "threaded@3", load_catalog()["doc-10apis"], doc)
    assert any("order_kept: measured False" in line for line in lines)
    assert not any("parallel" in line for line in lines)
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(ValueError, match=r"not a conformance\.json"):
        read_conformance(tmp_path / "bad.json")


def test_an_unknown_framework_is_refused_before_the_search(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``advise --framework nope``: one line naming the choices, exit 2, no search run."""
    from bench.cli import main

    argv = ["advise", "--scenario", "doc-3apis", "--framework", "nope", "--out", str(tmp_path / "a")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--framework" in err[0] and "pydantic-ai" in err[0]
    assert not (tmp_path / "a").exists()


def test_advice_md_ends_with_the_framework_section_written_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``advise --framework langgraph``: advice.md holds the framework's settings for the recommendation
    (written by bench.advise in the one write of advice.md), and the settings are printed."""
    import json

    from bench.cli import main

    out = tmp_path / "a"
    argv = ["advise", "--scenario", "doc-3apis", "--time-scale", "0.01", "--trials", "6", "--plans", "32"]
    assert main([*argv, "--framework", "langgraph", "--out", str(out)]) == 0
    best = json.loads((out / "advice.json").read_text())["recommendations"][0]["label"]
    md = (out / "advice.md").read_text(encoding="utf-8")
    section = framework_advice("langgraph", best, load_catalog()["doc-3apis"])
    assert md.rstrip("\n").endswith("\n".join(section).rstrip("\n"))
    assert section[2].removeprefix("- ") in capsys.readouterr().out


@pytest.mark.parametrize(("name", "scope"), [("langgraph", "step"), ("llamaindex", "run")])
def test_a_timeout_of_a_whole_step_or_run_is_not_offered_as_a_per_call_timeout(name: str, scope: str) -> None:
    """LangGraph's step_timeout and LlamaIndex's run timeout bound all of a turn's (or query's) calls:
    set to a per-call p99 they would cut off the turn, so the advice says Cannot, naming what they bound."""
    lines = framework_advice(name, "threaded@4+timeout-p99", load_catalog()["doc-10apis"])
    assert not any(line.startswith("- Do:") and "per-attempt timeout" in line for line in lines)
    (cannot,) = [line for line in lines if line.startswith("- Cannot: time out one tool call")]
    assert f"bounds the whole {scope}" in cannot
