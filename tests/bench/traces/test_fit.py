"""``pfcbench fit``: known distributions come back within the issue's tolerances; turns and shapes are
grouped as the conventions say; the written scenario loads and runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.cli import main
from bench.traces import fit_latency, fit_trace, group_turns, read_tool_spans
from scenarios import MAX_SHAPE, MAX_SIGMA, Gamma, LogNormal, load_file
from tests.bench.traces._tracegen import gamma, lognormal, make_trace, write

TOOLS = [lognormal("search", 120.0, 0.6), gamma("lookup", 3.0, 25.0)]


def test_fit_recovers_known_distributions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """200 turns of a lognormal and a gamma tool with 5% errors: each tool's median within 10%, p95 within
    15%, error rate within 2 points, read back from the scenario file the command wrote."""
    doc, _ = make_trace(TOOLS, 200, seed=11, error_rate=0.05)
    trace = write(doc, tmp_path / "trace.json")
    out = tmp_path / "fitted.toml"
    assert main(["fit", str(trace), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    (sc,) = load_file(out)
    for t in TOOLS:
        spec = sc.tool(t.name)
        assert spec.latency.quantile(0.5) == pytest.approx(t.median_ms, rel=0.10)
        assert spec.latency.quantile(0.95) == pytest.approx(t.p95_ms, rel=0.15)
        assert spec.faults.error_rate == pytest.approx(0.05, abs=0.02)
    text = out.read_text()
    assert "n=200" in text and "log-likelihood per value held-back" in text and "p99" in text
    assert "KS distance" in text


def test_collector_lines_format_reads_the_same(tmp_path: Path) -> None:
    """One ExportTraceServiceRequest per line (the Collector's file exporter) gives the same spans."""
    doc, _ = make_trace(TOOLS, 12, seed=2)
    a = read_tool_spans([write(doc, tmp_path / "a.json")])
    doc["resourceSpans"] = doc["resourceSpans"] * 2  # two lines
    b = read_tool_spans([write(doc, tmp_path / "b.jsonl", lines=True)])
    assert len(b) == 2 * len(a)


def test_turns_split_at_chat_spans_and_by_parent_without_them(tmp_path: Path) -> None:
    """With chat spans each turn is its own group; without them, one parent (4 turns here) is one turn."""
    doc, drawn = make_trace(TOOLS, 8, seed=3, turns_per_trace=4)
    turns = group_turns(read_tool_spans([write(doc, tmp_path / "t.json")]))
    assert [len(t.calls) for t in turns] == [len(d) for d in drawn]
    doc, _ = make_trace(TOOLS, 8, seed=3, turns_per_trace=4, chat=False)
    turns = group_turns(read_tool_spans([write(doc, tmp_path / "u.json")]))
    assert [len(t.calls) for t in turns] == [8, 8]


def test_most_common_shape_becomes_the_calls(tmp_path: Path) -> None:
    """Turns calling search twice in 70% of turns: the scenario's [[calls]] are that shape."""
    doc, _ = make_trace(TOOLS, 60, seed=4, shape=lambda r: [0, 0, 1] if r.random() < 0.7 else [1])
    fs = fit_trace([write(doc, tmp_path / "s.json")], "shapes")
    assert fs.shapes[0][0] == ("lookup", "search", "search")
    out = tmp_path / "s.toml"
    assert main(["fit", str(tmp_path / "s.json"), "--out", str(out)]) == 0
    (sc,) = load_file(out)
    assert sorted(c.tool for c in sc.calls) == ["lookup", "search", "search"]


def test_fit_prefers_the_true_family_on_large_samples() -> None:
    """On 2000 lognormal draws the held-back likelihood picks lognormal and the KS test keeps it."""
    x = np.random.default_rng(5).lognormal(np.log(100), 0.5, 2000)
    fit = fit_latency(list(x), key="t")
    assert fit.family == "lognormal" and fit.held_back and fit.ks_p >= 0.01
    assert fit.latency.quantile(0.5) == pytest.approx(100, rel=0.05)


def test_the_criterion_holds_across_seeds(tmp_path: Path) -> None:
    """The issue's trace (lognormal and gamma tools, 200 turns, 5% errors) under 20 more seeds: the true
    family is chosen in at least 16 of 20 fits per tool (here 17 and 20; the held-back KS distance, the first
    criterion, chose 11 and 13) and median within 10%, p95 within 15% hold in at least 19 of 20 (20 and 20;
    KS: 19 and 17)."""
    families = {"search": "lognormal", "lookup": "gamma"}
    right = {t.name: 0 for t in TOOLS}
    within = dict(right)
    for seed in range(20):
        doc, _ = make_trace(TOOLS, 200, seed=100 + seed, error_rate=0.05)
        for f in fit_trace([write(doc, tmp_path / "t.json")], "s").tools:
            truth = next(t for t in TOOLS if t.name == f.name)
            lat = f.fit.latency
            right[f.name] += f.fit.family == families[f.name]
            within[f.name] += abs(lat.quantile(0.5) / truth.median_ms - 1) <= 0.10 and (
                abs(lat.quantile(0.95) / truth.p95_ms - 1) <= 0.15
            )
    assert min(right.values()) >= 16 and min(within.values()) >= 19, (right, within)


def test_constant_latencies_fit_a_constant() -> None:
    """Identical values give a constant distribution (no family can be fitted to zero spread)."""
    fit = fit_latency([50.0] * 30)
    assert fit.family == "constant" and fit.latency.quantile(0.5) == 50.0


def test_near_constant_latencies_fit_parameters_a_scenario_may_state() -> None:
    """Sleeps of 50 ms +- 0.05% (a gamma MLE shape of ~5e6, clamped in every fold's gamma fit): whichever
    family wins states parameters inside the scenario ceilings and keeps the median."""
    fits = [fit_latency(list(np.random.default_rng(s).gamma(4e6, 50 / 4e6, 8)), key="a") for s in range(40)]
    for f in fits:
        assert f.latency.quantile(0.5) == pytest.approx(50, rel=1e-3)
        if isinstance(f.latency, Gamma):
            assert f.latency.shape <= MAX_SHAPE
        else:
            assert isinstance(f.latency, LogNormal) and f.latency.sigma <= MAX_SIGMA


def test_empirical_winner_writes_a_csv_beside_the_scenario(tmp_path: Path) -> None:
    """A bimodal tool fits no family: the empirical distribution is written as a CSV the scenario loads."""
    rng = np.random.default_rng(6)
    from tests.bench.traces._tracegen import GenTool

    bimodal = GenTool("bi", lambda r: float(r.choice([10.0, 400.0]) + r.random()), 0, 0)
    doc, _ = make_trace([bimodal], 300, seed=int(rng.integers(100)))
    out = tmp_path / "bi.toml"
    assert main(["fit", str(write(doc, tmp_path / "bi.json")), "--out", str(out)]) == 0
    assert (tmp_path / "bi.bi.csv").exists()
    (sc,) = load_file(out)
    assert sc.tool("bi").latency.describe().startswith("empirical")


@pytest.mark.realtime
def test_429s_of_a_naive_burst_give_the_quota(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """burst-429 (10 calls per second) through a naive burst of 100: most calls answer 429 (a burst of 100
    threads takes longer than one window to start, so a few are admitted later), and the fitted scenario has a
    quota of about 10 calls per 1000 ms on the tool (starts are timed by the client, admission by the server:
    one start may fall across a window edge), which loads."""
    out = tmp_path / "r"
    argv = ["run", "--scenario", "burst-429", "--executor", "threaded-naive@100", "--trials", "2"]
    assert main([*argv, "--time-scale", "0.01", "--warmup", "0", "--out", str(out)]) == 0
    fs = fit_trace([out / "otel.json"], "q")
    (tool,) = fs.tools
    assert 150 <= tool.rate_limited <= 180 and tool.quota_calls in (10, 11)
    assert main(["fit", str(out / "otel.json"), "--out", str(tmp_path / "q.toml")]) == 0
    (sc,) = load_file(tmp_path / "q.toml")
    q = sc.quota_of("search_api")
    assert q is not None and q.calls in (10, 11) and q.period_ms == 1000.0
    capsys.readouterr()


def test_429s_of_another_framework_give_the_quota(tmp_path: Path) -> None:
    """A non-pfcbench trace: one turn of 30 parallel calls, the 20 past the tenth answered 429 (half marked
    http.response.status_code, half error.type): 20 rate limited, no errors, and a quota of 10 per 1000 ms
    in the written scenario."""
    doc, _ = make_trace(TOOLS[:1], 1, seed=8, shape=lambda r: [0] * 30)
    spans = [s for s in doc["resourceSpans"][0]["scopeSpans"][0]["spans"] if s["name"].startswith("execute")]
    for i, span in enumerate(spans[10:]):
        key, value = (
            ("http.response.status_code", {"intValue": "429"})
            if i % 2
            else ("error.type", {"stringValue": "429"})
        )
        span["attributes"].append({"key": key, "value": value})
        span["status"] = {"code": 2}
    trace = write(doc, tmp_path / "limited.json")
    (tool,) = fit_trace([trace], "q").tools
    assert (tool.rate_limited, tool.errors, tool.quota_calls, tool.fit.n) == (20, 0, 10, 10)
    assert main(["fit", str(trace), "--out", str(tmp_path / "q.toml")]) == 0
    (sc,) = load_file(tmp_path / "q.toml")
    q = sc.quota_of("search")
    assert q is not None and (q.calls, q.period_ms) == (10, 1000.0)
    assert "429s 20/30" in (tmp_path / "q.toml").read_text()
