"""A real tool's ideal is what it measured: records of python calls carry no plan, keep the guess as
``expected_latency_s``, and take their bound and ideal from the calls' own spans (efficiency <= 100%)."""

from __future__ import annotations

from pathlib import Path

from bench.run import turn_record
from bench.run._measured import measured_plan
from executors import CallResult, PlannedWork, ToolCall, make_executor
from scenarios import make_plan, parse_scenarios

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"

SCENARIO = {
    "name": "guess-too-high",
    "tools": [
        {"name": "w", "python": "doc_tools:get_weather", "latency": {"dist": "constant", "ms": 900}},
        {"name": "t", "python": "doc_tools:get_time", "latency": {"dist": "constant", "ms": 700}},
        {"name": "sim", "latency": {"dist": "constant", "ms": 50}},
    ],
    "calls": [
        {"id": "a", "tool": "w", "args": {"location": "Madrid"}},
        {"id": "b", "tool": "t", "args": {"timezone": "CET"}},
        {"id": "s", "tool": "sim"},
    ],
}


def _results(spans: dict[str, tuple[float, float]]) -> list[CallResult]:
    names = {"a": "w", "b": "t", "s": "sim"}
    return [CallResult(ToolCall(i, names[i], {}), "ok", None, None, s, e) for i, (s, e) in spans.items()]


def test_real_calls_are_measured_and_the_guess_is_only_expected() -> None:
    """Guesses of 900/700 ms for calls that took 120/80 ms: no plan, the guess kept, bound = slowest span."""
    (sc,) = parse_scenarios(SCENARIO, "inline.toml", EXAMPLES)
    plan = make_plan(sc, seed=1, trial=0)
    results = _results({"a": (0.0, 0.12), "b": (0.12, 0.20), "s": (0.20, 0.25)})
    seq = make_executor("sequential", time_scale=1.0)
    ideal = seq.predict(
        [
            PlannedWork(c.id, c.tool, c.latency_ms[0] / 1000, c.after)
            for c in measured_plan(plan, results, 1.0).calls
        ]
    )
    rec = turn_record(plan, results, 1.0, executor="sequential", t0=0.0, makespan_s=0.251, ideal_s=ideal)
    by_id = {c.id: c for c in rec.calls}
    assert by_id["a"].planned_latency_s == 0.0 and by_id["a"].source == "python"
    assert by_id["a"].expected_latency_s == 0.9
    assert by_id["s"].planned_latency_s == 0.05 and not by_id["s"].real
    assert abs(rec.lower_bound_s - 0.12) < 1e-9  # the slowest measured span, not the 900 ms guess
    assert abs(rec.ideal_s - 0.25) < 1e-9  # sequential: the spans' sum plus the simulated plan
    assert rec.lower_bound_s <= rec.makespan_s and rec.ideal_s <= rec.makespan_s
    assert rec.planned_sum_s == 0.05  # only the simulated call has a plan


def test_a_plan_without_real_calls_is_left_as_it_is() -> None:
    """Simulated scenarios keep their plan as the yardstick (the INVALID check still applies to them)."""
    (sc,) = parse_scenarios(
        {**SCENARIO, "tools": SCENARIO["tools"][2:], "calls": SCENARIO["calls"][2:]}, "x.toml"
    )
    plan = make_plan(sc, seed=1, trial=0)
    assert measured_plan(plan, _results({"s": (0.0, 0.01)}), 1.0) is plan
