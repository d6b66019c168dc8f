"""Trial plans: every call's latency and faults drawn up front from (scenario, seed, trial).

Every executor in a trial runs the same plan (common random numbers), so comparisons between executors are
paired: the difference in makespan is the executor's, not the dice's.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scenarios._np import np
from scenarios._spec import RateLimit, Scenario

#: attempts pre-sampled per call; retries beyond this reuse the last draw
MAX_PLANNED_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class PlannedCall:
    id: str
    tool: str
    args: dict[str, Any]
    after: tuple[str, ...]
    #: one entry per attempt, document milliseconds
    latency_ms: tuple[float, ...]
    error: tuple[bool, ...]
    hang: tuple[bool, ...]
    hang_ms: float

    def attempt(self, i: int) -> tuple[float, bool, bool]:
        """(latency ms, errors?, hangs?) of attempt i (0-based)."""
        j = min(i, len(self.latency_ms) - 1)
        return self.latency_ms[j], self.error[j], self.hang[j]


@dataclass(frozen=True, slots=True)
class TrialPlan:
    scenario: Scenario
    seed: int
    trial: int
    calls: tuple[PlannedCall, ...]

    @property
    def first_latencies_ms(self) -> tuple[float, ...]:
        return tuple(c.latency_ms[0] for c in self.calls)

    def lower_bound_ms(self, completed: Mapping[str, int] | None = None) -> float:
        """What no executor can beat: the critical path through dependencies and, for each quota, the best
        assignment of calls to the earliest start slots the quota allows.

        ``completed`` (call id -> attempts made) restricts the bound to the calls that succeeded in a run, each
        at least as long as its shortest attempt used: a run that gave up on calls (429s, timeouts, skipped
        dependents) is held to the work it delivered, not to work it never did."""
        calls = self.calls if completed is None else [c for c in self.calls if c.id in completed]
        if completed is None:
            dur = {c.id: c.latency_ms[0] for c in calls}
        else:
            dur = {c.id: min(c.latency_ms[: max(1, completed[c.id])]) for c in calls}
        bound = critical_path_ms(dur, {c.id: tuple(a for a in c.after if a in dur) for c in calls})
        for q in self.scenario.quotas:
            group = [dur[c.id] for c in calls if c.tool in q.tools]
            bound = max(bound, quota_bound_ms(group, q))
        return bound


def make_plan(scenario: Scenario, seed: int, trial: int) -> TrialPlan:
    """Draw the plan of one trial. The stream depends on the scenario's name, so adding a scenario to a run
    leaves every other scenario's draws unchanged."""
    salt = zlib.crc32(scenario.name.encode())
    rng = np.random.default_rng(np.random.SeedSequence([seed, trial, salt]))
    planned = []
    for call in scenario.calls:
        tool = scenario.tool(call.tool)
        lat = tool.latency.sample(rng, MAX_PLANNED_ATTEMPTS)
        u = rng.random((2, MAX_PLANNED_ATTEMPTS))
        # drawn only for a call made in some turns: scenarios without such calls keep every draw they had
        if call.probability < 1 and rng.random() >= call.probability:
            continue
        planned.append(
            PlannedCall(
                id=call.id,
                tool=call.tool,
                args=dict(call.args),
                after=call.after,
                latency_ms=tuple(float(x) for x in lat),
                error=tuple(bool(x) for x in u[0] < tool.faults.error_rate),
                hang=tuple(bool(x) for x in u[1] < tool.faults.hang_rate),
                hang_ms=tool.faults.hang_ms,
            )
        )
    return TrialPlan(scenario=scenario, seed=seed, trial=trial, calls=tuple(planned))


def critical_path_ms(duration: dict[str, float], after: dict[str, tuple[str, ...]]) -> float:
    """Longest path through the dependency DAG (ids are validated acyclic when the scenario loads)."""
    finish: dict[str, float] = {}

    def end(cid: str) -> float:
        if cid not in finish:
            finish[cid] = duration[cid] + max((end(d) for d in after.get(cid, ())), default=0.0)
        return finish[cid]

    return max((end(c) for c in duration), default=0.0)


def quota_slots_ms(n: int, windows: Sequence[tuple[int, float]]) -> list[float]:
    """The earliest start times of n calls under sliding windows (count, length): call k may not start before
    call k-count started plus length. Greedy first-come-first-served is optimal for identical slots."""
    slots: list[float] = []
    for k in range(n):
        t = 0.0
        for count, length in windows:
            if k >= count:
                t = max(t, slots[k - count] + length)
        slots.append(t)
    return slots


def quota_bound_ms(durations: Sequence[float], quota: RateLimit) -> float:
    """Best makespan of calls sharing one quota: the longest calls take the earliest slots (exchange argument:
    swapping a longer call to a later slot never lowers max(slot + duration))."""
    if not durations:
        return 0.0
    slots = quota_slots_ms(len(durations), quota.windows_ms())
    return max(s + d for s, d in zip(slots, sorted(durations, reverse=True), strict=True))
