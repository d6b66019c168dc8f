"""Read and show results: the results-file schema, tidy frames, statistics, markdown and PNG figures.

A leaf package: it reads files and imports nothing else of pfcbench.

The schema (records, session parts, the writer) is imported eagerly: the runner needs it for its first
record. Everything else (numpy, scipy, pandas, matplotlib behind it) is imported on first use through
``__getattr__`` (PEP 562), so ``pfcbench list``, ``--help`` and ``run`` start without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from reports._schema import (
    CALL_STATUSES,
    RAW_ASYNCIO,
    RAW_LABELS,
    RAW_THREADS,
    SCHEMA_VERSION,
    CallRecord,
    ResultsWriter,
    SchemaError,
    TrialRecord,
    is_raw,
    parse_record,
    read_records,
    write_json_atomic,
    write_text_atomic,
)
from reports._sessions import NO_SESSION, AfcSession, LoadQuery, ModelSession, NoSession, Session, TurnSpan

if TYPE_CHECKING:
    from reports._compare import IncomparableRunsError, compare_runs
    from reports._e2e import render_e2e, render_e2e_markdown
    from reports._frames import RunData, calls_frame, load_run, trials_frame
    from reports._gate import (
        GateCheck,
        GateError,
        GateSpec,
        GateVerdict,
        RegressionPolicy,
        RunFiles,
        check_comparable,
        compute_metrics,
        evaluate,
        find_regressions,
        load_gate_run,
        load_spec,
        parse_spec,
        parse_threshold,
        run_gate,
    )
    from reports._intervals import CI, median_ci, quantile_ci, ratio_of_medians_ci, trials_needed
    from reports._load_figures import plot_latency_over_time, plot_sweep
    from reports._load_pages import (
        http_compare_markdown,
        load_summary_markdown,
        saturation_qps,
        sweep_markdown,
    )
    from reports._markdown import render_report
    from reports._stats import ExecutorStats, StatWarning, check_warnings, paired_speedups, summarize

#: public name -> the module that defines it, imported on first use
_LAZY = {
    "IncomparableRunsError": "reports._compare",
    "compare_runs": "reports._compare",
    "render_e2e": "reports._e2e",
    "render_e2e_markdown": "reports._e2e",
    "RunData": "reports._frames",
    "calls_frame": "reports._frames",
    "load_run": "reports._frames",
    "trials_frame": "reports._frames",
    "GateCheck": "reports._gate",
    "GateError": "reports._gate",
    "GateSpec": "reports._gate",
    "GateVerdict": "reports._gate",
    "RegressionPolicy": "reports._gate",
    "RunFiles": "reports._gate",
    "check_comparable": "reports._gate",
    "compute_metrics": "reports._gate",
    "evaluate": "reports._gate",
    "find_regressions": "reports._gate",
    "load_gate_run": "reports._gate",
    "load_spec": "reports._gate",
    "parse_spec": "reports._gate",
    "parse_threshold": "reports._gate",
    "run_gate": "reports._gate",
    "CI": "reports._intervals",
    "median_ci": "reports._intervals",
    "quantile_ci": "reports._intervals",
    "ratio_of_medians_ci": "reports._intervals",
    "trials_needed": "reports._intervals",
    "plot_latency_over_time": "reports._load_figures",
    "plot_sweep": "reports._load_figures",
    "load_summary_markdown": "reports._load_pages",
    "http_compare_markdown": "reports._load_pages",
    "saturation_qps": "reports._load_pages",
    "sweep_markdown": "reports._load_pages",
    "render_report": "reports._markdown",
    "ExecutorStats": "reports._stats",
    "StatWarning": "reports._stats",
    "check_warnings": "reports._stats",
    "paired_speedups": "reports._stats",
    "summarize": "reports._stats",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reports' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CALL_STATUSES",
    "CI",
    "NO_SESSION",
    "RAW_ASYNCIO",
    "RAW_LABELS",
    "RAW_THREADS",
    "SCHEMA_VERSION",
    "AfcSession",
    "CallRecord",
    "ExecutorStats",
    "GateCheck",
    "GateError",
    "GateSpec",
    "GateVerdict",
    "IncomparableRunsError",
    "LoadQuery",
    "ModelSession",
    "NoSession",
    "RegressionPolicy",
    "ResultsWriter",
    "RunData",
    "RunFiles",
    "SchemaError",
    "Session",
    "StatWarning",
    "TrialRecord",
    "TurnSpan",
    "calls_frame",
    "check_comparable",
    "check_warnings",
    "compare_runs",
    "compute_metrics",
    "evaluate",
    "find_regressions",
    "http_compare_markdown",
    "is_raw",
    "load_gate_run",
    "load_run",
    "load_spec",
    "load_summary_markdown",
    "median_ci",
    "paired_speedups",
    "parse_record",
    "parse_spec",
    "parse_threshold",
    "plot_latency_over_time",
    "plot_sweep",
    "quantile_ci",
    "ratio_of_medians_ci",
    "read_records",
    "render_e2e",
    "render_e2e_markdown",
    "render_report",
    "run_gate",
    "saturation_qps",
    "summarize",
    "sweep_markdown",
    "trials_frame",
    "trials_needed",
    "write_json_atomic",
    "write_text_atomic",
]
