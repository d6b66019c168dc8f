"""Read and show results: the results-file schema, tidy frames, statistics, markdown and PNG figures.

A leaf package: it reads files and imports nothing else of pfcbench.
"""

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
from reports._load_pages import load_summary_markdown
from reports._markdown import render_report
from reports._schema import (
    CALL_STATUSES,
    SCHEMA_VERSION,
    CallRecord,
    ResultsWriter,
    SchemaError,
    TrialRecord,
    parse_record,
    read_records,
    write_json_atomic,
    write_text_atomic,
)
from reports._sessions import (
    NO_SESSION,
    AfcSession,
    LoadQuery,
    ModelSession,
    NoSession,
    Session,
    TurnSpan,
)
from reports._stats import ExecutorStats, StatWarning, check_warnings, paired_speedups, summarize

__all__ = [
    "CALL_STATUSES",
    "CI",
    "NO_SESSION",
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
    "summarize",
    "trials_frame",
    "trials_needed",
    "write_json_atomic",
    "write_text_atomic",
]
