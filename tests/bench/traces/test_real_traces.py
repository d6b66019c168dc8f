"""Traces that real frameworks wrote (``bench.traces.capture`` against ``pfcbench serve-gemini`` or a
scripted model, tools sleeping U(200, 800) ms), read offline: turns, tools, notes and fits as the truth says.

Fixtures: Google ADK 2.13 with one call per model turn, all calls in one turn, and a sync tool first;
google-genai's automatic function calling (a fresh config per query, and a reused one that nests tool spans);
the OpenAI Agents SDK under OpenInference (a scripted model asking 3 calls, then 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.traces import fit_trace, read_trace, scenario_toml

FIX = Path(__file__).parent / "fixtures"
TOOLS = ["get_news", "get_time", "get_weather"]


def _ideal_over_recorded(name: str, reading: str = "per-parent") -> float:
    """What running each turn's calls all at once takes (its longest call) over what production took."""
    turns = read_trace([FIX / name], reading).turns
    ideal = sum(max(c.duration_ms for c in t.calls) for t in turns)
    return ideal / sum(t.recorded_ms for t in turns)


def test_adk_one_call_per_turn_is_one_turn_per_call() -> None:
    """ADK's generate_content spans split turns: 8 queries x 3 one-call turns, and no saving to announce."""
    r = read_trace([FIX / "adk_one_call_per_turn.json"])
    assert [len(t.calls) for t in r.turns] == [1] * 24
    assert not r.ambiguous
    assert 0.9 <= _ideal_over_recorded("adk_one_call_per_turn.json") <= 1.1


def test_adk_fit_has_exactly_the_agents_tools_and_base64_ids_fit_alike() -> None:
    """No '(merged tools)' tool; the same trace with base64 ids gives the same scenario (and says so)."""
    hexed = fit_trace([FIX / "adk_one_call_per_turn.json"], "adk")
    b64 = fit_trace([FIX / "adk_one_call_per_turn.b64.json"], "adk")
    assert [t.name for t in hexed.tools] == TOOLS
    assert any("base64" in n for n in b64.notes)

    def body(fs: object) -> list[str]:
        text = scenario_toml(fs, "x")[0]  # type: ignore[arg-type]
        return [ln for ln in text.splitlines() if not ln.startswith("# Fitted") and "base64" not in ln]

    assert body(hexed) == body(b64)


def test_adk_parallel_skips_merged_spans() -> None:
    """ADK's one '(merged tools)' span per parallel turn is skipped and counted: 8 turns of 3 calls."""
    r = read_trace([FIX / "adk_parallel.json"])
    assert [len(t.calls) for t in r.turns] == [3] * 8
    assert any("skipped 8 '(merged tools)'" in n for n in r.notes)
    fitted = fit_trace([FIX / "adk_parallel.json"], "adk")
    assert [t.name for t in fitted.tools] == TOOLS


def test_afc_single_outer_span_states_both_readings() -> None:
    """AFC's one outer generate_content span: every turn ambiguous, both readings stated, --turns per-call
    splits them into one turn per call (no saving)."""
    r = read_trace([FIX / "genai_afc.json"])
    assert len(r.turns) == 6 and len(r.ambiguous) == 6
    text = r.ambiguity() or ""
    assert "--turns per-parent" in text and "--turns per-call" in text and "1.00x" in text
    per_call = read_trace([FIX / "genai_afc.json"], "per-call")
    assert [len(t.calls) for t in per_call.turns] == [1] * 18
    assert _ideal_over_recorded("genai_afc.json", "per-call") == pytest.approx(1.0)


def test_reused_config_nested_spans_are_counted_once() -> None:
    """A reused AFC config nests copies of each tool span: 18 calls counted, with a warning naming the fault."""
    r = read_trace([FIX / "genai_afc_reused_config.json"])
    assert sum(len(t.calls) for t in r.turns) == 18
    assert any(n.startswith("warning:") and "more than once" in n for n in r.notes)


def test_openinference_openai_agents_trace() -> None:
    """OpenInference TOOL/LLM spans: the tools found, turns of 3 then 1 calls, the convention named, span
    ids standing in for call ids, and the ideal within 10% of what the drawn sleeps allow."""
    r = read_trace([FIX / "openai_agents_openinference.json"])
    assert r.conventions == ("OpenInference",)
    assert [len(t.calls) for t in r.turns] == [3, 1] * 8
    assert sorted({c.tool for t in r.turns for c in t.calls}) == TOOLS
    assert any("span id stands in" in n for n in r.notes)
    truth = json.loads((FIX / "openai_agents_openinference.truth.json").read_text(encoding="utf-8"))
    sleeps = [ms for _, ms in truth]
    true_ideal, k = 0.0, 0
    for size in [3, 1] * 8:
        true_ideal += max(sleeps[k : k + size])
        k += size
    ideal = sum(max(c.duration_ms for c in t.calls) for t in r.turns)
    assert ideal == pytest.approx(true_ideal, rel=0.1)


def test_adk_sync_tool_first_is_named() -> None:
    """A sync tool first in ADK's turns stalls the loop: the reading names it, the ideal is well under what
    production took (threaded/recorded <= 0.7), and frameworks serial by design are not flagged."""
    r = read_trace([FIX / "adk_sync_first.json"])
    (line,) = [n for n in r.notes if "blocked the event loop" in n]
    assert line.startswith("get_weather blocked the event loop") and "8 of 8 turns" in line
    assert _ideal_over_recorded("adk_sync_first.json") <= 0.7
    for name in ("adk_parallel.json", "genai_afc.json", "openai_agents_openinference.json"):
        assert not any("blocked" in n for n in read_trace([FIX / name]).notes)
