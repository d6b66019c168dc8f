"""Open-loop load: arrival schedules, the query sessions they start, their summaries and pages, the load
commands' runs, and the simulated APIs over HTTP (server and client).

``bench.load.locust_user`` is not imported here: Locust monkey-patches the stdlib with gevent on import,
so only ``locustfile.py`` imports it. The HTTP server and client (aiohttp, httpx: the ``load`` extra) are
imported on first use through ``__getattr__`` (PEP 562)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench._lazy import lazy_names
from bench.load._config import HttpCompareConfig, LoadConfig
from bench.load._open_loop import (
    ARRIVALS,
    DEFAULT_CONCURRENCY_CAP,
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
from bench.load._runs import api_server, http_compare, load_test, quota_capacity_qps
from bench.load._session import LIMITERS, AsyncLane, LoadSession, ToolSource, inprocess_tools, outcome_of

if TYPE_CHECKING:
    from bench.load._http_client import HttpApis, HttpSetupError
    from bench.load._http_server import ServerThread, serve_forever

#: module -> the public names it defines, each imported on first use
__getattr__ = lazy_names(
    "bench.load",
    {
        "bench.load._http_client": ("HttpApis", "HttpSetupError"),
        "bench.load._http_server": ("ServerThread", "serve_forever"),
    },
    globals(),
)


__all__ = [
    "ARRIVALS",
    "DEFAULT_CONCURRENCY_CAP",
    "LIMITERS",
    "MAX_QUERIES",
    "AsyncLane",
    "HttpApis",
    "HttpCompareConfig",
    "HttpSetupError",
    "LoadConfig",
    "LoadError",
    "LoadRecord",
    "LoadResult",
    "LoadSession",
    "QueryFn",
    "QueryOutcome",
    "ServerThread",
    "ToolSource",
    "api_server",
    "arrival_times",
    "http_compare",
    "inprocess_tools",
    "load_test",
    "outcome_of",
    "quantiles",
    "quota_capacity_qps",
    "run_load",
    "serve_forever",
    "summarize",
]
