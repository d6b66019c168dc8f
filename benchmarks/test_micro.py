"""Dispatch overhead per call of each executor with zero-latency tools, beside the raw primitive it is
built on, measured in the same run: ``asyncio.gather`` on a persistent loop for ``asyncio``, a
``ThreadPoolExecutor`` created outside the timed region (``submit`` + ``result``) for the pool executors,
a plain loop for ``sequential``. Ours keep a persistent pool/loop too, so like is compared with like.

Each benchmark's group is ``<executor>-n<calls>``: ours and raw sit side by side in the table, and
``benchmarks/ratios.py`` prints ours/raw per call from ``--benchmark-json``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from executors import AsyncioExecutor, Batched, Executor, RateLimited, Sequential, Threaded, ToolCall

SIZES = (1, 10, 100, 1000)


class Zero:
    """A tool that returns at once, sync and async: what is left is the executor's own cost."""

    def __call__(self, **_: Any) -> int:
        return 0

    async def acall(self, **_: Any) -> int:
        return 0


TOOLS = {"zero": Zero()}


def _calls(n: int) -> list[ToolCall]:
    return [ToolCall(f"c{i}", "zero", {}) for i in range(n)]


# executor label -> (our executor factory, workers of the matching raw pool or None for gather/loop)
OURS: dict[str, tuple[Callable[[], Executor], int | None]] = {
    "sequential": (Sequential, None),
    "threaded": (lambda: Threaded(max_workers=10), 10),
    "asyncio": (AsyncioExecutor, None),
    "batched": (Batched, 256),
    "ratelimited": (RateLimited, 256),
}


@pytest.fixture(params=SIZES, ids=lambda n: f"n{n}")
def n(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture(params=list(OURS))
def label(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ours(label: str) -> Iterator[Executor]:
    ex = OURS[label][0]()
    yield ex
    ex.close()


def test_ours(benchmark: Any, label: str, ours: Executor, n: int) -> None:
    """Our executor's makespan for n zero-latency calls (one CallResult per call, in order)."""
    calls = _calls(n)
    benchmark.group = f"{label}-n{n}"
    benchmark.extra_info.update(side="ours", executor=label, calls=n)
    ours.run(calls, TOOLS)  # start the pool/loop outside the timed region, as the raw side does
    results = benchmark(ours.run, calls, TOOLS)
    assert [r.call.id for r in results] == [c.id for c in calls] and all(r.ok for r in results)


def test_raw(benchmark: Any, label: str, n: int) -> None:
    """The raw primitive under the executor for the same n calls, with its pool or loop already running."""
    benchmark.group = f"{label}-n{n}"
    benchmark.extra_info.update(side="raw", executor=label, calls=n)
    tool = TOOLS["zero"]
    workers = OURS[label][1]
    if label == "asyncio":

        async def gather() -> list[int]:
            return list(await asyncio.gather(*(tool.acall() for _ in range(n))))

        with asyncio.Runner() as runner:

            def run_gather() -> list[int]:
                return runner.run(gather())  # a fresh coroutine per round, on the same running loop

            run_gather()
            assert benchmark(run_gather) == [0] * n
    elif workers is not None:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:

            def submit_all() -> list[int]:
                futures = [pool.submit(tool) for _ in range(n)]
                return [f.result() for f in futures]

            submit_all()
            assert benchmark(submit_all) == [0] * n
    else:

        def loop() -> list[int]:
            return [tool() for _ in range(n)]

        assert benchmark(loop) == [0] * n
