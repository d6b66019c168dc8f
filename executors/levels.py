"""The document's ``SmartFunctionGrouper``: calls grouped into dependency levels, each level run in parallel,
a barrier between levels.

Two differences from the document, both on purpose: a cycle or an unknown dependency is refused with an
error naming it (the document's grouper runs a cycle's calls together, in parallel), and dependencies are
per call id, not per function name (two calls of one tool may have different dependencies). The barrier
is the strategy's cost: a short branch's next call waits for the level's slowest call (``dag`` does not).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from executors._deps import check_graph, levels
from executors._predict import simulate
from executors._strategy import Calls, Kit, Options, Quotas, Results, in_call_order
from executors._types import PlannedWork, ToolCall, Tools


class Levels:
    """Up to ``max_workers`` threads for sync tools; keywords: ``Options``."""

    def __init__(self, max_workers: int = 256, **options: Unpack[Options]) -> None:
        self.kit = Kit("levels", options, threads=max_workers)
        self.name = self.kit.settings.name

    def run(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        d, lvls = self.kit.open(calls, tools, quotas), levels(calls)
        # the barrier: the next level starts after all of this one
        done = [r for level in lvls for r in d.run_all([calls[i] for i in level])]
        return in_call_order([i for level in lvls for i in level], done)

    async def arun(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        d, lvls = self.kit.open(calls, tools, quotas), levels(calls)
        done = [r for level in lvls for r in await d.gather([calls[i] for i in level])]
        return in_call_order([i for level in lvls for i in level], done)

    def predict(self, work: Sequence[PlannedWork], *, quotas: Quotas = ()) -> float:
        calls = [ToolCall(w.id, w.tool, {}, w.after) for w in work]
        check_graph(calls)  # the same refusal as run(): a cycle is named, not simulated
        return simulate(work, quotas=quotas, groups=levels(calls))

    def close(self) -> None:
        self.kit.close()
