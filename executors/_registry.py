"""Executors by name, with parameters in the label: ``threaded@4`` is threaded with max_workers=4,
``batched@3`` batches of 3, ``asyncio@8`` at most 8 calls in flight. A ``-naive`` suffix on the name
(``threaded-naive@100``) runs that executor without client-side knowledge of the quotas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from executors._guards import Guards
from executors._types import Executor
from executors.adaptive import Adaptive, Naive
from executors.aio import AsyncioExecutor
from executors.batched import Batched
from executors.dag import Dag
from executors.levels import Levels
from executors.ratelimited import RateLimited
from executors.sequential import Sequential
from executors.threaded import Threaded


@dataclass(frozen=True, slots=True)
class ExecutorInfo:
    name: str
    summary: str
    param: str | None
    make: Callable[[str, int | None, float, Guards | None], Executor]


def _threaded(label: str, k: int | None, scale: float, g: Guards | None) -> Executor:
    return Threaded(max_workers=k or 10, name=label, guards=g)


def _asyncio(label: str, k: int | None, scale: float, g: Guards | None) -> Executor:
    return AsyncioExecutor(max_concurrency=k, name=label, guards=g)


def _batched(label: str, k: int | None, scale: float, g: Guards | None) -> Executor:
    return Batched(batch_size=k, name=label, guards=g)


def _batched_doc(label: str, k: int | None, scale: float, g: Guards | None) -> Executor:
    return Batched(batch_size=k, name=label, limiter="doc", doc_pad=0.1 * scale, guards=g)


def _adaptive(label: str, k: int | None, scale: float, g: Guards | None) -> Executor:
    return Adaptive(initial=float(k or 4), name=label, guards=g)


EXECUTORS: dict[str, ExecutorInfo] = {
    i.name: i
    for i in [
        ExecutorInfo(
            "sequential",
            "one call after another, in a topological order (the baseline)",
            None,
            lambda lb, k, s, g: Sequential(name=lb, guards=g),
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
            lambda lb, k, s, g: RateLimited(name=lb, guards=g),
        ),
        ExecutorInfo(
            "batched-doc",
            "the document's own limiter: racy check-then-record, fixed 100 ms pad",
            "batch_size",
            _batched_doc,
        ),
        ExecutorInfo(
            "dag",
            "each call starts the moment its own dependencies finish",
            "max_workers",
            lambda lb, k, s, g: Dag(max_workers=k, name=lb, guards=g),
        ),
        ExecutorInfo(
            "levels",
            "dependency levels with a barrier between them (the document's grouper)",
            None,
            lambda lb, k, s, g: Levels(name=lb, guards=g),
        ),
        ExecutorInfo(
            "adaptive",
            "AIMD concurrency limit learnt from 429s; never told the quota",
            "initial limit",
            _adaptive,
        ),
    ]
}

DEFAULT_EXECUTORS = ("sequential", "threaded", "asyncio", "batched", "ratelimited")


class UnknownExecutor(ValueError):
    pass


def label_k(label: str, knob: str | None, no_knob: str) -> int | None:
    """The K of an executor label ``name@K`` (None without @), the one parse for reference and framework
    executors: UnknownExecutor(``no_knob``) where the executor has no ``knob`` to set, or K not a whole
    number >= 1."""
    param = label.partition("@")[2]
    if not param:
        return None
    if knob is None:
        raise UnknownExecutor(no_knob)
    if not param.isdigit() or int(param) < 1:
        raise UnknownExecutor(f"`executor`: {label!r}: the {knob} after @ must be a whole number >= 1")
    return int(param)


#: suffix of an executor name that withholds the quotas from it (a client that does not know them)
NAIVE = "-naive"


def make_executor(
    label: str,
    *,
    time_scale: float = 1.0,
    max_workers: int | None = None,
    guards: Guards | None = None,
    name: str | None = None,
) -> Executor:
    """Build an executor from its label (``name``, ``name@K``, ``name-naive[@K]``); ``max_workers``
    applies to ``threaded`` when the label gives no K; ``guards`` to every executor; ``name`` (default: the
    label) is what its records are filed under."""
    shown = label if name is None else name
    name = label.partition("@")[0]
    naive = name.endswith(NAIVE) and name != NAIVE
    if naive:
        name = name.removesuffix(NAIVE)
    info = EXECUTORS.get(name)
    if info is None:
        raise UnknownExecutor(f"`executor`: unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
    k = label_k(label, info.param, f"`executor`: {name!r} takes no @parameter, got {label!r}")
    if k is None and name == "threaded" and max_workers is not None:
        k = max_workers
    ex = info.make(shown, k, time_scale, guards)
    return Naive(ex, shown) if naive else ex
