"""One call after another: the baseline every speedup is measured against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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

    def run(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        limiters = limiters_for(quotas, self.clock)
        return [invoke(c, tools, self.clock, self.sleep, limiters) for c in calls]

    async def arun(
        self, calls: Sequence[ToolCall], tools: Tools, *, quotas: Sequence[Quota] = ()
    ) -> list[CallResult]:
        limiters = limiters_for(quotas, self.clock)
        # Sync tools go through the loop's default thread, one at a time: still sequential.
        return [await ainvoke(c, tools, self.clock, self.asleep, limiters, None) for c in calls]

    def predict(self, work: Sequence[PlannedWork], *, quotas: Sequence[Quota] = ()) -> float:
        return simulate(work, workers=1, quotas=quotas)

    def close(self) -> None:
        """Nothing to release."""
