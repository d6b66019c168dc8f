"""Executors by name, with parameters in the label: ``threaded@4`` is threaded with max_workers=4,
``batched@3`` batches of 3, ``asyncio@8`` at most 8 calls in flight."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from executors._types import Executor
from executors.aio import AsyncioExecutor
from executors.batched import Batched
from executors.ratelimited import RateLimited
from executors.sequential import Sequential
from executors.threaded import Threaded


@dataclass(frozen=True, slots=True)
class ExecutorInfo:
    name: str
    summary: str
    param: str | None
    make: Callable[[str, int | None, float], Executor]


def _threaded(label: str, k: int | None, scale: float) -> Executor:
    return Threaded(max_workers=k or 10, name=label)


def _asyncio(label: str, k: int | None, scale: float) -> Executor:
    return AsyncioExecutor(max_concurrency=k, name=label)


def _batched(label: str, k: int | None, scale: float) -> Executor:
    return Batched(batch_size=k, name=label)


def _batched_doc(label: str, k: int | None, scale: float) -> Executor:
    return Batched(batch_size=k, name=label, limiter="doc", doc_pad=0.1 * scale)


EXECUTORS: dict[str, ExecutorInfo] = {
    i.name: i
    for i in [
        ExecutorInfo(
            "sequential", "one call after another (the baseline)", None, lambda lb, k, s: Sequential(name=lb)
        ),
        ExecutorInfo(
            "threaded",
            "thread pool, 10 workers by default (the document's executor)",
            "max_workers",
            _threaded,
        ),
        ExecutorInfo(
            "asyncio",
            "one task per call in a TaskGroup; native async tools, threads for sync ones",
            "max_concurrency",
            _asyncio,
        ),
        ExecutorInfo(
            "batched",
            "batches of k with a barrier, exact limiter (the document's pattern)",
            "batch_size",
            _batched,
        ),
        ExecutorInfo(
            "ratelimited",
            "exact limiter, no barrier: each call starts when the quota admits it",
            None,
            lambda lb, k, s: RateLimited(name=lb),
        ),
        ExecutorInfo(
            "batched-doc",
            "the document's own limiter: racy check-then-record, fixed 100 ms pad",
            "batch_size",
            _batched_doc,
        ),
    ]
}

DEFAULT_EXECUTORS = ("sequential", "threaded", "asyncio", "batched", "ratelimited")


class UnknownExecutor(ValueError):
    pass


def make_executor(label: str, *, time_scale: float = 1.0, max_workers: int | None = None) -> Executor:
    """Build an executor from its label (``name`` or ``name@K``); ``max_workers`` applies to ``threaded``
    when the label gives no K."""
    name, _, param = label.partition("@")
    info = EXECUTORS.get(name)
    if info is None:
        raise UnknownExecutor(f"--executor: unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
    k: int | None = None
    if param:
        if info.param is None:
            raise UnknownExecutor(f"--executor: {name!r} takes no @parameter, got {label!r}")
        if not param.isdigit() or int(param) < 1:
            raise UnknownExecutor(
                f"--executor: {label!r}: the {info.param} after @ must be a whole number >= 1"
            )
        k = int(param)
    elif name == "threaded" and max_workers is not None:
        k = max_workers
    return info.make(label, k, time_scale)
