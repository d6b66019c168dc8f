"""Open-loop load: arrival schedules, the query sessions they start, and their summaries.

``bench.load.locust_user`` is not imported here: Locust monkey-patches the stdlib with gevent on import,
so only ``locustfile.py`` imports it."""

from bench.load._open_loop import (
    ARRIVALS,
    MAX_QUERIES,
    LoadError,
    LoadRecord,
    LoadResult,
    QueryFn,
    QueryOutcome,
    arrival_times,
    quantiles,
    run_load,
    summarize,
)
from bench.load._session import LIMITERS, AsyncLane, LoadSession, ToolSource, inprocess_tools, outcome_of

__all__ = [
    "ARRIVALS",
    "LIMITERS",
    "MAX_QUERIES",
    "AsyncLane",
    "LoadError",
    "LoadRecord",
    "LoadResult",
    "LoadSession",
    "QueryFn",
    "QueryOutcome",
    "ToolSource",
    "arrival_times",
    "inprocess_tools",
    "outcome_of",
    "quantiles",
    "run_load",
    "summarize",
]
