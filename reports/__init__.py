"""Read and show results: the results-file schema, tidy frames, statistics, markdown and PNG figures.

A leaf package: it reads files and imports nothing else of pfcbench.

The schema (records, session parts, the writer) is imported eagerly: the runner needs it for its first
record. Everything else (numpy, scipy, pandas, matplotlib behind it) is imported on first use through
``__getattr__`` (PEP 562), so ``pfcbench list``, ``--help`` and ``run`` start without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from reports._jsonline import json_object, parse_json
from reports._policy import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_TOLERANCE, MIN_TEST_TRIALS
from reports._schema import (
    CALL_STATUSES,
    RAW_ASYNCIO,
    RAW_LABELS,
    RAW_THREADS,
    READABLE_SCHEMAS,
    SCHEMA_VERSION,
    SIMULATED,
    CallRecord,
    ResultsFile,
    ResultsWriter,
    SchemaError,
    TrialRecord,
    collector_paused,
    is_raw,
    parse_record,
    read_records,
    read_results,
    streamed_label,
    whole_turn_twin,
    write_json_atomic,
    write_text_atomic,
)
from reports._sessions import NO_SESSION, AfcSession, LoadQuery, ModelSession, NoSession, Session, TurnSpan

if TYPE_CHECKING:
    from reports._advice import plot_pareto, render_advice_markdown
    from reports._answer import BINDS_SHARE, slowest_call
    from reports._compare import IncomparableRunsError, compare_runs
    from reports._comparison import CellComparison, compare_cell, compare_cells
    from reports._conformance import CONFORMANCE_EXPECTED, conformance_markdown, render_conformance
    from reports._e2e import render_e2e, render_e2e_markdown
    from reports._experiments_page import ArmOutcome, experiments_markdown
    from reports._floor import FloorRow, floor_split, raw_partner
    from reports._frames import RunData, calls_frame, load_run, trials_frame
    from reports._gate import (
        NO_SPEC,
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
    from reports._gate_files import write_verdict
    from reports._headline import headline_lines, run_headline
    from reports._intervals import (
        CI,
        median_ci,
        quantile_ci,
        quantile_difference_ci,
        quantile_ratio_ci,
        ratio_of_quantiles_ci,
        trials_needed,
    )
    from reports._load_figures import plot_latency_over_time, plot_sweep
    from reports._load_pages import (
        http_compare_markdown,
        load_summary_markdown,
        saturation_qps,
        sweep_markdown,
    )
    from reports._markdown import render_report
    from reports._replay import Saving, paired_savings
    from reports._stats import ExecutorStats, StatWarning, check_warnings, paired_speedups, summarize

#: module -> the public names it defines, each imported on first use
_MODULES = {
    "reports._advice": ("plot_pareto", "render_advice_markdown"),
    "reports._answer": ("BINDS_SHARE", "slowest_call"),
    "reports._compare": ("IncomparableRunsError", "compare_runs"),
    "reports._conformance": ("CONFORMANCE_EXPECTED", "conformance_markdown", "render_conformance"),
    "reports._comparison": ("CellComparison", "compare_cell", "compare_cells"),
    "reports._e2e": ("render_e2e", "render_e2e_markdown"),
    "reports._experiments_page": ("ArmOutcome", "experiments_markdown"),
    "reports._floor": ("FloorRow", "floor_split", "raw_partner"),
    "reports._frames": ("RunData", "calls_frame", "load_run", "trials_frame"),
    "reports._gate_files": ("write_verdict",),
    "reports._headline": ("headline_lines", "run_headline"),
    "reports._gate": (
        "GateCheck",
        "GateError",
        "GateSpec",
        "GateVerdict",
        "NO_SPEC",
        "RegressionPolicy",
        "RunFiles",
        "check_comparable",
        "compute_metrics",
        "evaluate",
        "find_regressions",
        "load_gate_run",
        "load_spec",
        "parse_spec",
        "parse_threshold",
        "run_gate",
    ),
    "reports._intervals": (
        "CI",
        "median_ci",
        "quantile_ci",
        "quantile_difference_ci",
        "quantile_ratio_ci",
        "ratio_of_quantiles_ci",
        "trials_needed",
    ),
    "reports._load_figures": ("plot_latency_over_time", "plot_sweep"),
    "reports._load_pages": (
        "load_summary_markdown",
        "http_compare_markdown",
        "saturation_qps",
        "sweep_markdown",
    ),
    "reports._markdown": ("render_report",),
    "reports._replay": ("Saving", "paired_savings"),
    "reports._stats": ("ExecutorStats", "StatWarning", "check_warnings", "paired_speedups", "summarize"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'reports' has no attribute {name!r}")
    globals()[name] = value = getattr(importlib.import_module(_LAZY[name]), name)  # later lookups skip this
    return value


__all__ = [
    "BINDS_SHARE",
    "CALL_STATUSES",
    "CI",
    "CONFORMANCE_EXPECTED",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_RESAMPLES",
    "DEFAULT_TOLERANCE",
    "MIN_TEST_TRIALS",
    "NO_SESSION",
    "NO_SPEC",
    "RAW_ASYNCIO",
    "RAW_LABELS",
    "RAW_THREADS",
    "READABLE_SCHEMAS",
    "SCHEMA_VERSION",
    "SIMULATED",
    "AfcSession",
    "ArmOutcome",
    "CallRecord",
    "CellComparison",
    "ExecutorStats",
    "FloorRow",
    "GateCheck",
    "GateError",
    "GateSpec",
    "GateVerdict",
    "IncomparableRunsError",
    "LoadQuery",
    "ModelSession",
    "NoSession",
    "RegressionPolicy",
    "ResultsFile",
    "ResultsWriter",
    "RunData",
    "RunFiles",
    "Saving",
    "SchemaError",
    "Session",
    "StatWarning",
    "TrialRecord",
    "TurnSpan",
    "calls_frame",
    "check_comparable",
    "check_warnings",
    "collector_paused",
    "compare_cell",
    "compare_cells",
    "compare_runs",
    "compute_metrics",
    "conformance_markdown",
    "evaluate",
    "experiments_markdown",
    "find_regressions",
    "floor_split",
    "headline_lines",
    "http_compare_markdown",
    "is_raw",
    "json_object",
    "load_gate_run",
    "load_run",
    "load_spec",
    "load_summary_markdown",
    "median_ci",
    "paired_savings",
    "paired_speedups",
    "parse_json",
    "parse_record",
    "parse_spec",
    "parse_threshold",
    "plot_latency_over_time",
    "plot_pareto",
    "plot_sweep",
    "quantile_ci",
    "quantile_difference_ci",
    "quantile_ratio_ci",
    "ratio_of_quantiles_ci",
    "raw_partner",
    "read_records",
    "read_results",
    "render_advice_markdown",
    "render_conformance",
    "render_e2e",
    "render_e2e_markdown",
    "render_report",
    "run_gate",
    "run_headline",
    "saturation_qps",
    "slowest_call",
    "streamed_label",
    "summarize",
    "sweep_markdown",
    "trials_frame",
    "trials_needed",
    "whole_turn_twin",
    "write_json_atomic",
    "write_text_atomic",
    "write_verdict",
]
