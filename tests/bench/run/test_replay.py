"""``pfcbench run --trace``: each recorded turn is one trial replayed with its recorded durations and
outcomes; ``recorded`` carries what production did; the report's replay section answers with paired CIs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.cli import main
from bench.run import RECORDED, trace_replay
from reports import load_run, paired_savings, read_records
from tests.bench.traces._tracegen import gamma, lognormal, make_trace, write

TOOLS = [lognormal("search", 60.0, 0.5), gamma("lookup", 3.0, 20.0), lognormal("fetch", 80.0, 0.3)]


@pytest.mark.realtime
def test_threaded_over_sequential_production_is_e_sum_over_e_max(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Production ran each turn's calls one after another: threaded's paired speedup over ``recorded`` is
    within 10% of the trace's E[sum]/E[max], with a CI, and the report says so in a sentence."""
    doc, drawn = make_trace(TOOLS, 30, seed=5, sequential=True, error_rate=0.05)
    trace = write(doc, tmp_path / "prod.json")
    expected = np.mean([sum(d) for d in drawn]) / np.mean([max(d) for d in drawn])
    out = tmp_path / "r"
    argv = ["run", "--trace", str(trace), "--executor", "threaded", "--time-scale", "0.5", "--warmup", "0"]
    assert main([*argv, "--out", str(out)]) == 0
    recs = read_records(out / "results.jsonl")
    assert sorted({r.executor for r in recs}) == ["raw-asyncio", "raw-threads", RECORDED, "threaded"]
    assert len(recs) == 4 * 30
    assert json.loads((out / "run.json").read_text())["records"] == len(recs)  # report warns otherwise
    (s,) = paired_savings(load_run(out).trials, "trace-prod", seed=1, n_resamples=999)
    assert s.turns == 30
    assert s.speedup[0] == pytest.approx(expected, rel=0.10)
    assert s.speedup[1] < s.speedup[0] < s.speedup[2]
    assert main(["report", str(out)]) == 0
    md = (out / "report.md").read_text()
    assert "`threaded` would have cut this agent's tool time by" in md
    capsys.readouterr()


def test_replay_plans_are_the_recorded_turns(tmp_path: Path) -> None:
    """Trial i's plan is turn i: its calls, tools and durations (document ms) and its failures."""
    doc, drawn = make_trace(TOOLS, 6, seed=2, error_rate=0.3)
    replay = trace_replay([write(doc, tmp_path / "t.json")])
    assert replay.trials == 6
    for i, durs in enumerate(drawn):
        plan = replay.plan(replay.scenario, 7, i)
        assert [c.latency_ms[0] for c in plan.calls] == pytest.approx(durs)
        assert [c.error[0] for c in plan.calls] == [c.outcome != "ok" for c in replay.turns[i].calls]


def test_recorded_429s_answer_429(tmp_path: Path) -> None:
    """A recorded 429 is replayed as a rate-limited answer after its recorded duration, not as a 503."""
    from scenarios import RateLimited

    doc, _ = make_trace(TOOLS[:1], 1, seed=3)
    span = next(
        s for s in doc["resourceSpans"][0]["scopeSpans"][0]["spans"] if s["name"].startswith("execute_tool")
    )
    span["attributes"].append({"key": "http.response.status_code", "value": {"intValue": "429"}})
    replay = trace_replay([write(doc, tmp_path / "t.json")])
    plan = replay.plan(replay.scenario, 0, 0)
    tools = replay.toolbox(plan, 1e-6)
    with pytest.raises(RateLimited):
        tools["search"](request_id="c0")
    (rec,) = replay.recorded_records("run", 0, 0.1)
    assert rec.calls[0].status == "rate_limited"
