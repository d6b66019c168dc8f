"""otel.json: the run's records as OTLP JSON under the GenAI conventions; the shared checker accepts it
and ties its spans to the calls; ``pfcbench fit`` on it gives back the catalog scenario (round trip)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main
from bench.traces import fit_trace, otel_document, read_spans, tool_span
from reports import CallRecord, TrialRecord
from scenarios import load_catalog, load_file, make_plan
from tests.conftest import run_argv, shared_tool

CHECK_OTEL = shared_tool("check_otel.py")
FAST = ["--time-scale", "0.01", "--warmup", "0", "--seed", "3"]


def _check(run_dir: Path) -> str:
    if not CHECK_OTEL.exists():
        pytest.skip("shared/tools/check_otel.py not found beside the checkout")
    got = subprocess.run(
        [
            sys.executable,
            str(CHECK_OTEL),
            str(run_dir / "otel.json"),
            "--results",
            str(run_dir / "results.jsonl"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert got.returncode == 0, got.stdout
    return got.stdout


@pytest.mark.realtime
def test_run_writes_otel_the_checker_accepts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run with errors and 429s ends with otel.json: one execute_tool span per call, error spans for
    every failed call, absolute times inside the run; ``pfcbench report`` rewrites it the same."""
    out = tmp_path / "r"
    scenarios = ["--scenario", "partial-failure", "--scenario", "burst-429"]
    executors = ["--executor", "threaded-naive@100", "--executor", "sequential"]
    assert main(["run", *scenarios, *executors, "--trials", "2", "--out", str(out), *FAST]) == 0
    assert "problems=0" in _check(out)
    spans = read_spans(out / "otel.json")
    tools = [t for s in spans if (t := tool_span(s)) is not None]
    assert any(t.outcome == "rate_limited" for t in tools) and any(t.outcome == "error" for t in tools)
    limited = next(s for s in spans if s.attrs.get("pfcbench.status") == "rate_limited")
    assert limited.attrs["error.type"] == "429" and limited.status_code == 2
    started = json.loads((out / "run.json").read_text())["started_at"]
    import datetime as dt

    t0 = dt.datetime.fromisoformat(started).timestamp() * 1e9
    assert all(t0 - 2e9 <= s.start_ns <= t0 + 600e9 for s in spans)
    before = (out / "otel.json").read_text()
    assert main(["report", str(out)]) == 0
    assert (out / "otel.json").read_text() == before
    capsys.readouterr()


def _records(scenario: str, trials: int, time_scale: float = 0.1) -> list[TrialRecord]:
    """What an executor with zero overhead would record: every call takes its planned first attempt."""
    sc = load_catalog()[scenario]
    out = []
    for trial in range(trials):
        plan = make_plan(sc, 7, trial)
        calls = tuple(
            CallRecord(
                c.id,
                c.tool,
                c.latency_ms[0] / 1000 * time_scale,
                0.0,
                c.latency_ms[0] / 1000 * time_scale,
                "error" if c.error[0] else "ok",
                1,
            )
            for c in plan.calls
        )
        mk = max(c.end_s for c in calls)
        out.append(
            TrialRecord(
                "r", sc.name, "ideal", trial, 7, time_scale, mk, mk, mk, calls, origin_unix_s=1e9 + trial
            )
        )
    return out


@pytest.mark.parametrize(("scenario", "trials"), [("flaky", 1000), ("heavy-tail", 1000), ("doc-3apis", 50)])
def test_round_trip_recovers_the_catalog_scenario(tmp_path: Path, scenario: str, trials: int) -> None:
    """Records of a catalog scenario -> otel.json -> fit: each tool's median within 10%, p95 within 15%,
    error rate within 2 points of the catalog's, in document ms (the time scale is undone)."""
    path = tmp_path / "otel.json"
    path.write_text(json.dumps(otel_document(_records(scenario, trials), {"run_id": "r"})))
    fs = fit_trace([path], "back")
    assert len(fs.calls_per_turn) == trials
    sc = load_catalog()[scenario]
    got = {t.name: t for t in fs.tools}
    assert set(got) == {t.name for t in sc.tools}
    for spec in sc.tools:
        fit = got[spec.name]
        assert fit.fit.latency.quantile(0.5) == pytest.approx(spec.latency.quantile(0.5), rel=0.10)
        assert fit.fit.latency.quantile(0.95) == pytest.approx(spec.latency.quantile(0.95), rel=0.15)
        assert fit.error_rate == pytest.approx(spec.faults.error_rate, abs=0.02)
    assert sorted(fs.shapes[0][0]) == sorted(c.tool for c in sc.calls)


@pytest.mark.realtime
def test_round_trip_of_a_real_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """pfcbench run -> otel.json -> pfcbench fit -> a scenario pfcbench loads, with the run's 3 tools at
    about their 500 ms (time scale 0.1: a loaded machine's 4 ms scheduler hiccups stay under 10%)."""
    out = tmp_path / "r"
    argv = run_argv("doc-3apis", "threaded", 8, "--time-scale", "0.1")
    assert main([*argv, "--warmup", "0", "--out", str(out)]) == 0
    assert main(["fit", str(out / "otel.json"), "--out", str(tmp_path / "back.toml")]) == 0
    (sc,) = load_file(tmp_path / "back.toml")
    assert [t.name for t in sc.tools] == ["get_stock_price", "get_time", "get_weather"]
    for t in sc.tools:
        assert t.latency.quantile(0.5) == pytest.approx(500, rel=0.10)
    capsys.readouterr()


def test_records_without_origin_are_laid_out_from_started_at() -> None:
    """Records written before origin_unix_s existed start at run.json's started_at, one after another."""
    import dataclasses

    recs = [dataclasses.replace(r, origin_unix_s=0.0) for r in _records("doc-3apis", 3)]
    doc = otel_document(recs, {"run_id": "r", "started_at": "2026-11-25T10:00:00+00:00"})
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    roots = [s for s in spans if "parentSpanId" not in s]
    t0 = 1_795_600_800 * 10**9  # 2026-11-25T10:00:00Z
    assert int(roots[0]["startTimeUnixNano"]) == t0
    ends = [(int(r["startTimeUnixNano"]), int(r["endTimeUnixNano"])) for r in roots]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ends))


def test_a_calls_wire_id_is_its_gen_ai_call_id_and_the_plan_id_stays_under_pfcbench() -> None:
    """A call the model named on the wire is exported under that id (``gen_ai.tool.call.id``), its plan id
    under ``pfcbench.call_id``; a call without a wire id keeps the plan id in both."""
    import dataclasses

    (rec,) = _records("doc-3apis", 1)
    named = dataclasses.replace(rec.calls[0], wire_id="fc_0_0")
    doc = otel_document([dataclasses.replace(rec, calls=(named, *rec.calls[1:]))], {"run_id": "r"})
    tools = [
        {a["key"]: a["value"]["stringValue"] for a in s["attributes"] if a["key"].endswith("call_id")}
        | {
            "id": next(
                a["value"]["stringValue"] for a in s["attributes"] if a["key"] == "gen_ai.tool.call.id"
            )
        }
        for s in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        if s["name"].startswith("execute_tool")
    ]
    assert tools[0] == {"id": "fc_0_0", "pfcbench.call_id": rec.calls[0].id}
    assert all(
        t["id"] == t["pfcbench.call_id"] == c.id for t, c in zip(tools[1:], rec.calls[1:], strict=True)
    )


@pytest.mark.realtime
def test_model_runs_have_chat_spans_and_turns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With a (simulated) model in the loop, each query has chat spans with token usage, tool spans are
    their siblings, and reading the file back groups each query's calls into its turn."""
    from bench.traces import group_turns

    out = tmp_path / "m"
    argv = run_argv("doc-3apis", "threaded", 2, "--model", "simulated")
    assert main([*argv, "--out", str(out), *FAST]) == 0
    assert "problems=0" in _check(out)
    spans = read_spans(out / "otel.json")
    chats = [s for s in spans if s.operation == "chat"]
    assert chats and all("gen_ai.usage.input_tokens" in s.attrs for s in chats)
    # required on model spans by the GenAI conventions; thinking tokens under the conventions' own name
    assert {s.attrs["gen_ai.provider.name"] for s in chats} == {"pfcbench"}
    assert all("gen_ai.usage.reasoning.output_tokens" in s.attrs for s in chats)
    tools = [s for s in spans if s.operation == "execute_tool"]
    assert all(s.attrs["pfcbench.call_id"] == s.attrs["gen_ai.tool.call.id"] for s in tools)
    assert {s.parent_id for s in spans if s.operation in ("chat", "execute_tool")} <= {
        s.span_id for s in spans
    }
    assert [len(t.calls) for t in group_turns(spans)] == [3, 3]
    capsys.readouterr()
