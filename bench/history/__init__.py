"""History across commits: a SQLite store of runs (per commit, branch, machine), trends per cell, and
regressions found where they began (change points) or against a baseline commit (the gate's comparison).

Like ``reports`` it only reads results files (through ``reports``' readers); nothing here runs a benchmark.
See docs/history.md.

Imported on first use (PEP 562): ``history add`` does not pay for matplotlib, nor ``--help`` for numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench._lazy import lazy_names

if TYPE_CHECKING:
    from bench.history._changes import Changes, Drift, Step, detect, noise_scale, pelt
    from bench.history._check import CheckOptions, CheckReport, check_history, resolve_baseline
    from bench.history._compare import Comparison, StoredTrial, compare_floor, compare_makespans
    from bench.history._exchange import Imported, export_lines, import_lines
    from bench.history._git import Git, NoGit, SubprocessGit
    from bench.history._ingest import Added, AddOptions, add_run, check_commit, check_when, fingerprint
    from bench.history._render import TrendFiles, check_markdown, summary_markdown, write_trend
    from bench.history._series import ALL_MACHINES, METRICS, Point, Series, commit_order, load_series
    from bench.history._store import SCHEMA_VERSION, HistoryError, Store, open_store

__getattr__ = lazy_names(
    "bench.history",
    {
        "bench.history._changes": (
            "Changes",
            "Drift",
            "Step",
            "detect",
            "noise_scale",
            "pelt",
        ),
        "bench.history._check": (
            "CheckOptions",
            "CheckReport",
            "check_history",
            "resolve_baseline",
        ),
        "bench.history._compare": (
            "Comparison",
            "StoredTrial",
            "compare_floor",
            "compare_makespans",
        ),
        "bench.history._exchange": (
            "Imported",
            "export_lines",
            "import_lines",
        ),
        "bench.history._git": (
            "Git",
            "NoGit",
            "SubprocessGit",
        ),
        "bench.history._ingest": (
            "AddOptions",
            "Added",
            "add_run",
            "check_commit",
            "check_when",
            "fingerprint",
        ),
        "bench.history._render": (
            "TrendFiles",
            "check_markdown",
            "summary_markdown",
            "write_trend",
        ),
        "bench.history._series": (
            "ALL_MACHINES",
            "METRICS",
            "Point",
            "Series",
            "commit_order",
            "load_series",
        ),
        "bench.history._store": (
            "SCHEMA_VERSION",
            "HistoryError",
            "Store",
            "open_store",
        ),
    },
    globals(),
)

__all__ = [
    "ALL_MACHINES",
    "METRICS",
    "SCHEMA_VERSION",
    "AddOptions",
    "Added",
    "Changes",
    "CheckOptions",
    "CheckReport",
    "Comparison",
    "Drift",
    "Git",
    "HistoryError",
    "Imported",
    "NoGit",
    "Point",
    "Series",
    "Step",
    "Store",
    "StoredTrial",
    "SubprocessGit",
    "TrendFiles",
    "add_run",
    "check_commit",
    "check_history",
    "check_markdown",
    "check_when",
    "commit_order",
    "compare_floor",
    "compare_makespans",
    "detect",
    "export_lines",
    "fingerprint",
    "import_lines",
    "load_series",
    "noise_scale",
    "open_store",
    "pelt",
    "resolve_baseline",
    "summary_markdown",
    "write_trend",
]
