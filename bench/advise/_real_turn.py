"""How long a real turn takes, measured: a scenario with real (Python or HTTP) tools sizes its confirmation
run by one timed sequential turn, not by the tools' declared latencies (a guess, possibly far off, or none)."""

from __future__ import annotations

from bench.run import RunConfig, assemble, measure
from scenarios import Scenario, make_plan

#: the plan index of the timing turn: one no run reaches, so it never shares draws with a measured trial
_PROBE_TRIAL = 3_000_000


def real_turn_s(scenario: Scenario, seed: int) -> float | None:
    """Wall seconds of one sequential turn of ``scenario`` at time scale 1 (an upper bound on a turn of any
    executor), or None for a scenario without real tools (its predictions are exact enough)."""
    if not scenario.real_tools():
        return None
    config = RunConfig((scenario,), ("sequential",), trials=1, seed=seed, time_scale=1.0)
    with assemble(config) as parts:
        ex = parts.executors["sequential"]
        plan = make_plan(scenario, seed, _PROBE_TRIAL)
        measure(plan, ex, 1.0)  # the first turn pays imports and connection set-up: not a typical turn
        return measure(plan, ex, 1.0).makespan_s
