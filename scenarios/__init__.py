"""What is run: scenarios of tools (simulated APIs with latency distributions, quotas and faults; their
declarations for a model), and trial plans.

Knows nothing of executors, models or reports.
"""

from scenarios._dump import latency_to_dict, scenario_to_dict
from scenarios._fields import MAX_SHAPE, MAX_SIGMA, ScenarioError, did_you_mean
from scenarios._latency import (
    Constant,
    Empirical,
    Gamma,
    Latency,
    LogNormal,
    Mixture,
    Normal,
    Pareto,
    SumQuantiles,
    Uniform,
    expected_max,
    max_quantile,
    sum_quantiles,
)
from scenarios._load import (
    check_time_scale,
    load_catalog,
    load_file,
    model_table,
    parse_model_table,
    parse_scenarios,
    resolve,
)
from scenarios._plan import (
    MAX_PLANNED_ATTEMPTS,
    PlannedCall,
    TrialPlan,
    critical_path_ms,
    make_plan,
    quota_bound_ms,
    quota_slots_ms,
)
from scenarios._pycall import declare_callable
from scenarios._quota_time import MIN_GRACE_WALL_S, QUOTA_GRACE_FRACTION, quota_grace_ms, quota_time_scale
from scenarios._realtools import AsyncPythonTool, NotJsonValue, PythonTool, json_value
from scenarios._spec import (
    CallSpec,
    DocClaim,
    Faults,
    HttpEndpoint,
    RateLimit,
    Scenario,
    ToolDeclaration,
    ToolSpec,
)
from scenarios._toolbase import CallLog, RateLimited, ToolError, retry_after_s
from scenarios._toolbox import (
    QuotaState,
    SimulatedAPI,
    Stall,
    ToolApi,
    build_toolbox,
    close_toolbox,
    quota_states,
)

__all__ = [
    "MAX_PLANNED_ATTEMPTS",
    "MAX_SHAPE",
    "MAX_SIGMA",
    "MIN_GRACE_WALL_S",
    "QUOTA_GRACE_FRACTION",
    "AsyncPythonTool",
    "CallLog",
    "CallSpec",
    "Constant",
    "DocClaim",
    "Empirical",
    "Faults",
    "Gamma",
    "HttpEndpoint",
    "Latency",
    "LogNormal",
    "Mixture",
    "Normal",
    "NotJsonValue",
    "Pareto",
    "PlannedCall",
    "PythonTool",
    "QuotaState",
    "RateLimit",
    "RateLimited",
    "Scenario",
    "ScenarioError",
    "SimulatedAPI",
    "Stall",
    "SumQuantiles",
    "ToolApi",
    "ToolDeclaration",
    "ToolError",
    "ToolSpec",
    "TrialPlan",
    "Uniform",
    "build_toolbox",
    "check_time_scale",
    "close_toolbox",
    "critical_path_ms",
    "declare_callable",
    "did_you_mean",
    "expected_max",
    "json_value",
    "latency_to_dict",
    "load_catalog",
    "load_file",
    "make_plan",
    "max_quantile",
    "model_table",
    "parse_model_table",
    "parse_scenarios",
    "quota_bound_ms",
    "quota_grace_ms",
    "quota_slots_ms",
    "quota_states",
    "quota_time_scale",
    "resolve",
    "retry_after_s",
    "scenario_to_dict",
    "sum_quantiles",
]
