"""The measurement loop: plans to calls, the agent session, the runner that writes results.jsonl, theory
beside it, the experiments, and the SDK-AFC peer path."""

from bench.run._afc_peer import NAME as AFC
from bench.run._convert import planned_work, quotas_of, tool_calls
from bench.run._experiments import run_experiments
from bench.run._meta import run_metadata, utc_now
from bench.run._records import trial_record, turn_record
from bench.run._runner import PlanSource, RunConfig, RunError, measure, run, run_closing
from bench.run._session import Ask, CallMapper, World, query_text, run_session
from bench.run._sizes import MAX_WALL_S, executor_order
from bench.run._theory import scenario_theory

__all__ = [
    "AFC",
    "MAX_WALL_S",
    "Ask",
    "CallMapper",
    "PlanSource",
    "RunConfig",
    "RunError",
    "World",
    "executor_order",
    "measure",
    "planned_work",
    "query_text",
    "quotas_of",
    "run",
    "run_closing",
    "run_experiments",
    "run_metadata",
    "run_session",
    "scenario_theory",
    "tool_calls",
    "trial_record",
    "turn_record",
    "utc_now",
]
