"""One call after another: the baseline every speedup is measured against.

Calls run in a stable topological order (list order, except that a call follows what it waits for), so
dependencies always hold; results come back in call order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from executors._deps import topological_order
from executors._guards import Guards, Turn
from executors._invoke import ainvoke, invoke
from executors._limiter import limiters_for
from executors._predict import simulate
from executors._types import (
    DEFAULT_ASLEEP,
    DEFAULT_CLOCK,
    DEFAULT_SLEEP,
    ASleep,
    CallResult,
    Clock,
    PlannedWork,
    Quota,
    Sleep,
    ToolCall,
    Tools,
)


@dataclass(frozen=True, slots=True)
class Sequential:
    name: str = "sequential"
    clock: Clock = DEFAULT_CLOCK
    sleep: Sleep = DEFAULT_SLEEP
    asleep: ASleep = DEFAULT_ASLEEP
    guards: Guards | None = None

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = limiters_for(quotas, self.clock)
        out: list[CallResult | None] = [None] * len(calls)
        for i in topological_order(calls):
            out[i] = invoke(calls[i], tools, self.clock, self.sleep, limiters, turn)
        return _all(out)

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        turn = Turn(calls, self.guards, self.clock)
        limiters = limiters_for(quotas, self.clock)
        out: list[CallResult | None] = [None] * len(calls)
        # Sync tools go through the loop's default thread, one at a time: still sequential.
        for i in topological_order(calls):
            out[i] = await ainvoke(calls[i], tools, self.clock, self.asleep, limiters, None, turn)
        return _all(out)

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        return simulate(work, workers=1, quotas=quotas)

    def close(self) -> None:
        """Nothing to release."""


def _all(results: list[CallResult | None]) -> list[CallResult]:
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]
