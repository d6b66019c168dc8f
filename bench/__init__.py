"""Run and judge: the measurement loop, theory beside it, and (later) model drivers, sessions and gates.

The command line lives in ``bench.cli``, which nothing imports.
"""

from bench._convert import planned_work, quotas_of, tool_calls
from bench._runner import RunConfig, RunError, executor_order, measure, run
from bench._theory import scenario_theory

__all__ = [
    "RunConfig",
    "RunError",
    "executor_order",
    "measure",
    "planned_work",
    "quotas_of",
    "run",
    "scenario_theory",
    "tool_calls",
]
