"""The one owner of a run: a frozen ``RunConfig`` (executor specs = label + ``GuardSpec``) is assembled
here into executors, guards, limiters and the model driver (``assemble``), run and closed by ``run``, which
writes results.jsonl, run.json, theory.json and otel.json. Also: plans to calls, the agent session, the one
record builder, trace replay's plan source, theory, the experiments and the SDK-AFC peer path.

Imported on first use through ``__getattr__`` (PEP 562): ``pfcbench list`` reads the framework executors
(``bench.run.frameworks``) without bringing in numpy, scipy and pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench._lazy import lazy_names

if TYPE_CHECKING:
    from bench.run._afc_peer import AFC
    from bench.run._assemble import RESOLVERS, Assembly, Resolver, assemble
    from bench.run._config import MAX_WALL_S, ExecutorSpec, ModelOptions, PlanSource, RunConfig, RunError
    from bench.run._convert import planned_work, quotas_of, tool_calls
    from bench.run._experiments import run_experiments
    from bench.run._guardspec import BACKOFF_MS, EVERY_TOOL, GuardSpec
    from bench.run._meta import run_metadata, utc_now
    from bench.run._records import trial_record, turn_record
    from bench.run._replay import RECORDED, TraceReplay, trace_replay
    from bench.run._runner import measure, run
    from bench.run._session import Ask, CallMapper, World, close_shared_loop, query_text, run_session
    from bench.run._sizes import executor_order
    from bench.run._theory import scenario_theory

__getattr__ = lazy_names(
    __name__,
    {
        "bench.run._afc_peer": ("AFC",),
        "bench.run._assemble": (
            "RESOLVERS",
            "Assembly",
            "Resolver",
            "assemble",
        ),
        "bench.run._config": (
            "MAX_WALL_S",
            "ExecutorSpec",
            "ModelOptions",
            "PlanSource",
            "RunConfig",
            "RunError",
        ),
        "bench.run._convert": (
            "planned_work",
            "quotas_of",
            "tool_calls",
        ),
        "bench.run._experiments": ("run_experiments",),
        "bench.run._guardspec": (
            "BACKOFF_MS",
            "EVERY_TOOL",
            "GuardSpec",
        ),
        "bench.run._meta": (
            "run_metadata",
            "utc_now",
        ),
        "bench.run._records": (
            "trial_record",
            "turn_record",
        ),
        "bench.run._replay": (
            "RECORDED",
            "TraceReplay",
            "trace_replay",
        ),
        "bench.run._runner": (
            "measure",
            "run",
        ),
        "bench.run._session": (
            "Ask",
            "CallMapper",
            "close_shared_loop",
            "World",
            "query_text",
            "run_session",
        ),
        "bench.run._sizes": ("executor_order",),
        "bench.run._theory": ("scenario_theory",),
    },
    globals(),
)


__all__ = [
    "AFC",
    "BACKOFF_MS",
    "EVERY_TOOL",
    "MAX_WALL_S",
    "RECORDED",
    "RESOLVERS",
    "Ask",
    "Assembly",
    "CallMapper",
    "ExecutorSpec",
    "GuardSpec",
    "ModelOptions",
    "PlanSource",
    "Resolver",
    "RunConfig",
    "RunError",
    "TraceReplay",
    "World",
    "assemble",
    "close_shared_loop",
    "executor_order",
    "measure",
    "planned_work",
    "query_text",
    "quotas_of",
    "run",
    "run_experiments",
    "run_metadata",
    "run_session",
    "scenario_theory",
    "tool_calls",
    "trace_replay",
    "trial_record",
    "turn_record",
    "utc_now",
]
