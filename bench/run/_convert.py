"""Scenario-side objects to executor-side ones: the only place the two vocabularies meet."""

from __future__ import annotations

from bench.run._records import planned_s
from executors import PlannedWork, Quota, ToolCall
from scenarios import Scenario, TrialPlan


def quotas_of(scenario: Scenario, time_scale: float) -> tuple[Quota, ...]:
    """The scenario's server quotas as the client sees them, in wall seconds."""
    return tuple(
        Quota(q.name, tuple((count, ms / 1000 * time_scale) for count, ms in q.windows_ms()), q.tools)
        for q in scenario.quotas
    )


def tool_calls(plan: TrialPlan) -> list[ToolCall]:
    return [ToolCall(c.id, c.tool, dict(c.args), c.after) for c in plan.calls]


def planned_work(plan: TrialPlan, time_scale: float) -> list[PlannedWork]:
    return [PlannedWork(c.id, c.tool, planned_s(c, time_scale), c.after) for c in plan.calls]
