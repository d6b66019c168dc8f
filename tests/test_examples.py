"""examples/ and docs/your-workload.md run offline: the document's three tools as a Python module, declared
from their real signatures and run for real; the sample trace pfcbench made, fitted and replayed."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.cli import main
from bench.run import trace_replay
from bench.traces import fit_trace, group_turns, read_tool_spans
from reports import read_records
from scenarios import load_file
from tests.conftest import shared_tool

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
#: the document's sleeps: get_weather 0.5 s, get_time 0.3 s, get_stock_price 0.4 s
SLEPT = {"weather": 0.5, "time": 0.3, "stock": 0.4}


@pytest.fixture
def doc_tools() -> Iterator[Path]:
    """examples/doc_tools.toml; the module it imports is forgotten afterwards."""
    yield EXAMPLES / "doc_tools.toml"
    sys.modules.pop("doc_tools", None)
    if str(EXAMPLES) in sys.path:
        sys.path.remove(str(EXAMPLES))


def test_doc_tools_are_declared_from_their_real_signatures(doc_tools: Path) -> None:
    """Each python tool's declaration is its function's: Literal unit as an enum, defaults not required,
    the Args section as descriptions; get_stock_price is async def."""
    (s,) = load_file(doc_tools)
    decl = {d.name: d for d in s.declarations()}
    weather = decl["get_weather"].parameters
    assert weather["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert weather["required"] == ["location"]
    assert decl["get_time"].parameters["properties"]["timezone"]["description"].startswith("An IANA")
    assert decl["get_stock_price"].description == "Current price of a stock."
    assert {t.kind for t in s.tools} == {"python"}
    assert inspect.iscoroutinefunction(s.tool("get_stock_price").func)


def test_get_time_takes_the_zone_as_a_model_writes_it(
    doc_tools: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """get_time answers an IANA name (what the fake Gemini server sends) and an abbreviation alike, and an
    unknown zone is the tool's error, naming what it takes."""
    (s,) = load_file(doc_tools)
    get_time = s.tool("get_time").func
    monkeypatch.setattr("doc_tools.time.sleep", lambda _s: None)
    assert get_time("Europe/Madrid")["timezone"] == "Europe/Madrid"
    assert get_time("cet")["timezone"] == "cet"
    with pytest.raises(ValueError, match="an IANA name or one of UTC"):
        get_time("Mars/Base")


@pytest.mark.realtime
def test_doc_tools_run_offline(doc_tools: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The documented command, one trial: sequential takes the sum of the three sleeps (1.2 s), threaded
    the longest (0.5 s); every call is ok and otel.json ties its spans to the calls."""
    out = tmp_path / "doc-tools"
    argv = ["run", "--scenario", str(doc_tools), "--time-scale", "1", "--trials", "1", "--warmup", "0"]
    assert main([*argv, "--executor", "sequential", "--executor", "threaded", "--out", str(out)]) == 0
    makespan = {r.executor: r.makespan_s for r in read_records(out / "results.jsonl")}
    assert 1.2 <= makespan["sequential"] <= 1.2 * 1.25 + 0.02
    assert 0.5 <= makespan["threaded"] <= 0.5 * 1.25 + 0.02
    for r in read_records(out / "results.jsonl"):
        assert all(c.status == "ok" for c in r.calls)
        assert all(SLEPT[c.id] - 0.0005 <= c.end_s - c.start_s <= SLEPT[c.id] * 1.25 + 0.005 for c in r.calls)
    checker = shared_tool("check_otel.py")
    if checker.exists():
        argv = [sys.executable, str(checker), str(out / "otel.json"), "--results", str(out / "results.jsonl")]
        got = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert got.returncode == 0 and "problems=0" in got.stdout, got.stdout
    capsys.readouterr()


def test_sample_trace_fits_back_to_the_scenario_it_was_recorded_from(tmp_path: Path) -> None:
    """examples/sample_trace.json (pfcbench's own, 40 queries with chat spans): 40 turns of the 3 tools,
    each tool's fitted median within 10% of sample_trace_scenario.toml's, and the documented command
    writes a scenario that loads."""
    trace = EXAMPLES / "sample_trace.json"
    turns = group_turns(read_tool_spans([trace]))
    assert [len(t.calls) for t in turns] == [3] * 40
    fitted = {t.name: t.fit.latency for t in fit_trace([trace], "mine").tools}
    (recorded_from,) = load_file(EXAMPLES / "sample_trace_scenario.toml")
    for spec in recorded_from.tools:
        assert fitted[spec.name].quantile(0.5) == pytest.approx(spec.latency.quantile(0.5), rel=0.10)
    assert main(["fit", str(trace), "--out", str(tmp_path / "my-agent.toml")]) == 0
    (mine,) = load_file(tmp_path / "my-agent.toml")
    assert sorted(c.tool for c in mine.calls) == sorted(t.name for t in recorded_from.tools)


def test_sample_trace_replays_turn_by_turn() -> None:
    """run --trace on the sample: one trial per recorded turn, production's calls one after another."""
    replay = trace_replay([EXAMPLES / "sample_trace.json"])
    assert replay.trials == 40
    assert all(t.recorded_ms >= sum(c.duration_ms for c in t.calls) * 0.99 for t in replay.turns)


def test_every_example_file_the_document_names_exists() -> None:
    """docs/your-workload.md only points at files that are there."""
    text = (ROOT / "docs" / "your-workload.md").read_text(encoding="utf-8")
    named = set(re.findall(r"examples/[\w.-]+\.\w+", text))
    assert named >= {"examples/doc_tools.py", "examples/doc_tools.toml", "examples/sample_trace.json"}
    assert all((ROOT / n).exists() for n in named), sorted(n for n in named if not (ROOT / n).exists())
