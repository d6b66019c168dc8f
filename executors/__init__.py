"""How calls run: one module per strategy behind one ``Executor`` protocol, and the client-side limiter.

Knows nothing of scenarios, models or reports: it runs callables, and predicts makespans from plain
planned durations, dependencies and quotas.
"""

from executors._doc_limiter import DocWindowLimiter
from executors._invoke import Limiter, ainvoke, classify, invoke
from executors._limiter import LimiterStatistics, SlidingWindowLimiter, limiters_for
from executors._predict import simulate
from executors._registry import DEFAULT_EXECUTORS, EXECUTORS, ExecutorInfo, UnknownExecutor, make_executor
from executors._types import (
    AsyncTool,
    CallResult,
    Executor,
    PlannedWork,
    Quota,
    SyncTool,
    ToolCall,
    Tools,
)
from executors.aio import AsyncioExecutor
from executors.batched import Batched
from executors.ratelimited import RateLimited
from executors.sequential import Sequential
from executors.threaded import Threaded

__all__ = [
    "DEFAULT_EXECUTORS",
    "EXECUTORS",
    "AsyncTool",
    "AsyncioExecutor",
    "Batched",
    "CallResult",
    "DocWindowLimiter",
    "Executor",
    "ExecutorInfo",
    "Limiter",
    "LimiterStatistics",
    "PlannedWork",
    "Quota",
    "RateLimited",
    "Sequential",
    "SlidingWindowLimiter",
    "SyncTool",
    "Threaded",
    "ToolCall",
    "Tools",
    "UnknownExecutor",
    "ainvoke",
    "classify",
    "invoke",
    "limiters_for",
    "make_executor",
    "simulate",
]
