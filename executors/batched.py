"""The document's batching pattern: batches of k calls, all of a batch in parallel, a barrier between
batches, each start gated by the client-side limiter.

The barrier is its weakness: a batch waits for its slowest call even when the quota would already admit
the next calls. ``ratelimited`` keeps the limiter and drops the barrier. Batches are list chunks: ``after`` is
ignored (a dependent that starts too early reports "dependency not ready"); ``levels`` batches by dependency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Unpack

from executors._doc_limiter import DocWindowLimiter
from executors._invoke import Dispatch, Limiter
from executors._predict import simulate
from executors._strategy import Calls, Kit, Options, Quotas, Results, check_positive
from executors._types import PlannedWork, Tools

#: the document's default batch size, used when no quota suggests one
DEFAULT_BATCH = 5


def batch_size_for(quotas: Quotas, batch_size: int | None) -> int:
    """The configured size, else the tightest quota's burst (the document: "batch_size=10 # the API's limit")."""
    if batch_size is not None:
        return batch_size
    counts = [count for q in quotas for count, _ in q.windows]
    return min(counts) if counts else DEFAULT_BATCH


class Batched:
    """``batch_size`` (None: from the quotas); ``limiter``: "exact", our sliding-window limiter, or "doc",
    the document's (racy, fixed pad) for comparison, with ``doc_pad`` its fixed sleep past a full window in
    wall seconds (0.1 s times the time scale). Keywords: ``Options``."""

    def __init__(
        self,
        batch_size: int | None = None,
        max_workers: int = 256,
        limiter: str = "exact",
        doc_pad: float = 0.1,
        **options: Unpack[Options],
    ) -> None:
        check_positive("batch_size", batch_size, none_ok=True)
        if limiter not in ("exact", "doc"):
            raise ValueError(f"limiter must be 'exact' or 'doc', got {limiter!r}")
        self.batch_size, self.limiter, self.doc_pad = batch_size, limiter, doc_pad
        self.kit = Kit("batched", options, threads=max_workers)
        self.name = self.kit.settings.name

    def _open(self, calls: Calls, tools: Tools, quotas: Quotas) -> tuple[Dispatch, int]:
        limiters: Mapping[str, Limiter] | None = None  # None: the kit's exact limiters
        if self.limiter == "doc":
            limiters = {}
            for q in quotas:
                lim = DocWindowLimiter(q.windows, self.kit.settings.clock, pad=self.doc_pad)
                limiters.update(dict.fromkeys(q.tools, lim))
        return self.kit.open(calls, tools, quotas, limiters=limiters), batch_size_for(quotas, self.batch_size)

    def run(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        d, k = self._open(calls, tools, quotas)
        return [r for i in range(0, len(calls), k) for r in d.run_all(calls[i : i + k])]  # the barrier

    async def arun(self, calls: Calls, tools: Tools, *, quotas: Quotas = ()) -> Results:
        d, k = self._open(calls, tools, quotas)
        return [r for i in range(0, len(calls), k) for r in await d.gather(calls[i : i + k])]

    def predict(self, work: Sequence[PlannedWork], *, quotas: Quotas = ()) -> float:
        # The document's limiter is not simulated: its ideal is ours; its extra time shows as overhead.
        k = batch_size_for(quotas, self.batch_size)
        return simulate(work, batch_size=k, quotas=quotas, respect_after=False)

    def close(self) -> None:
        self.kit.close()
