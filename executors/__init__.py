"""How calls run: one module per strategy behind one ``Executor`` protocol, and the client-side limiter.

Knows nothing of scenarios, models or reports: it runs callables, and predicts makespans from plain
planned durations, dependencies and quotas.
"""

from executors._aimd import AimdLimiter, AimdStatistics
from executors._deps import (
    DependencyError,
    check_graph,
    find_cycle,
    references,
    resolve_args,
    topological_order,
)
from executors._deps import levels as dependency_levels
from executors._doc_limiter import DocWindowLimiter
from executors._guards import Guards, RetryPolicy, Turn
from executors._invoke import Dispatch, Limiter, open_turn
from executors._limiter import DeadlinePassed, LimiterStatistics, SlidingWindowLimiter, limiters_for
from executors._outcome import classify, describe
from executors._predict import schedule, simulate
from executors._registry import (
    DEFAULT_EXECUTORS,
    EXECUTORS,
    NAIVE,
    ExecutorInfo,
    UnknownExecutor,
    label_k,
    make_executor,
)
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
from executors.adaptive import Adaptive, Naive
from executors.aio import AsyncioExecutor, fine_timer_loop
from executors.batched import Batched, batch_size_for
from executors.dag import Dag
from executors.levels import Levels
from executors.ratelimited import RateLimited
from executors.sequential import Sequential
from executors.threaded import Threaded

__all__ = [
    "DEFAULT_EXECUTORS",
    "EXECUTORS",
    "NAIVE",
    "Adaptive",
    "AimdLimiter",
    "AimdStatistics",
    "AsyncTool",
    "AsyncioExecutor",
    "Batched",
    "CallResult",
    "Dag",
    "DeadlinePassed",
    "DependencyError",
    "Dispatch",
    "DocWindowLimiter",
    "Executor",
    "ExecutorInfo",
    "Guards",
    "Levels",
    "Limiter",
    "LimiterStatistics",
    "Naive",
    "PlannedWork",
    "Quota",
    "RateLimited",
    "RetryPolicy",
    "Sequential",
    "SlidingWindowLimiter",
    "SyncTool",
    "Threaded",
    "ToolCall",
    "Tools",
    "Turn",
    "UnknownExecutor",
    "batch_size_for",
    "check_graph",
    "classify",
    "dependency_levels",
    "describe",
    "find_cycle",
    "fine_timer_loop",
    "label_k",
    "limiters_for",
    "make_executor",
    "open_turn",
    "references",
    "resolve_args",
    "schedule",
    "simulate",
    "topological_order",
]
