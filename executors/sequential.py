"""One call after another: the baseline every speedup is measured against.

Calls run in a stable topological order (list order, except that a call follows what it waits for), so
dependencies always hold; results come back in call order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from executors._deps import topological_order
from executors._invoke import Dispatch
from executors._predict import simulate
from executors._strategy import Calls, Kit, Options, Quotas, Results, in_call_order
from executors._types import PlannedWork, Tools


class Sequential:
    """Keywords: ``name``, ``clock``, ``sleep``, ``asleep``, ``guards`` (``Options``)."""

    def __init__(self, **options: Unpack[Options]) -> None:
        self.kit = Kit("sequential", options, threads=1)
        self.name = self.kit.settings.name

    def run(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        d = self.kit.open(calls, tools, quotas, threads=False)
        order = _order(calls, d)
        return in_call_order(order, [d.one(calls[i]) for i in order])

    async def arun(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        # Sync tools go through the loop's default thread, one at a time: still sequential.
        d = self.kit.open(calls, tools, quotas, threads=False)
        order = _order(calls, d)
        return in_call_order(order, [await d.aone(calls[i]) for i in order])

    def predict(self, work: Sequence[PlannedWork], *, quotas: Quotas = ()) -> float:
        return simulate(work, workers=1, quotas=quotas)

    def close(self) -> None:
        """Nothing to release."""


def _order(calls: Calls, d: Dispatch) -> Sequence[int]:
    # A plain turn has no dependency: list order, without walking the graph.
    return range(len(calls)) if d.turn is None else topological_order(calls)
