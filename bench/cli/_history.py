"""``pfcbench history add|show|check|export|import``: a store of runs across commits (bench.history).
Exit 0 ok, 1 a regression (check), 2 bad input; markdown on stdout, appended to ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from bench.cli._args import UsageError, checked, positive_int

DEFAULT_DB = Path("results/history.sqlite")
EXIT_PASS, EXIT_FAIL = 0, 1
#: bench.history.METRICS, not imported here: --help stays light (no numpy)
METRICS = ("median", "p95", "implementation-cost")


def _tolerance(text: str) -> float:
    return checked(text, float, lambda v: 0 <= v < 10, "a fraction in [0, 10), e.g. 0.05 for 5%")


def register(sub: Any) -> None:
    from reports import DEFAULT_TOLERANCE  # constants only: --help stays light

    h = sub.add_parser(
        "history", help="a store of runs across commits: add, show trends, check for regressions"
    )
    hs = h.add_subparsers(dest="history_command", required=True, parser_class=type(h))
    a = hs.add_parser("add", help="add run directories to the store (the same run twice is a no-op)")
    a.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR")
    _db(a)
    a.add_argument("--commit", help="commit id, any hex (default: the one run.json recorded)")
    a.add_argument("--branch", help="branch name (default: git's current branch)")
    a.add_argument("--when", help="ISO 8601 time that orders the history (default: the run's start)")
    a.add_argument("--machine", help="machine name (default: its fingerprint: CPU model, cores, Python)")
    a.set_defaults(handler=handle_add)
    s = hs.add_parser("show", help="trend.md, summary.md and one PNG per cell into --out")
    _db(s)
    _cells(s)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument(
        "--tolerance", type=_tolerance, default=DEFAULT_TOLERANCE, help="steps beyond it are regressions"
    )
    s.set_defaults(handler=handle_show)
    c = hs.add_parser(
        "check", help="steps and drifts over the history, and the candidate vs a baseline commit"
    )
    _db(c)
    _cells(c)
    c.add_argument(
        "--against", metavar="main|SHA|merge-base", help="baseline: a branch, a commit, or merge-base"
    )
    c.add_argument("--commit", help="the candidate commit (default: git HEAD if stored, else the newest)")
    c.add_argument("--base-branch", default="main", help="the branch of --against merge-base (default main)")
    c.add_argument("--machine", help="the candidate's machine (default: every machine that ran both commits)")
    c.add_argument("--baseline-machine", help="the baseline's machine (with --machine: compare two runners)")
    c.add_argument(
        "--spec", type=Path, help="gate file whose [regression] table sets tolerance and confidence"
    )
    c.add_argument("--tolerance", type=_tolerance, help="a step beyond this fraction fails (default 0.05)")
    c.add_argument("--json", type=Path, help="write the verdict as JSON here")
    c.set_defaults(handler=handle_check)
    e = hs.add_parser("export", help="the store as JSON lines (to merge stores of several runners)")
    _db(e)
    e.add_argument("--jsonl", action="store_true", required=True, help="JSON lines (the one format)")
    e.add_argument("--out", type=Path, help="file to write (default: stdout)")
    e.set_defaults(handler=handle_export)
    i = hs.add_parser("import", help="merge exported JSON lines into the store (runs it holds are skipped)")
    i.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _db(i)
    i.set_defaults(handler=handle_import)


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"the store (default {DEFAULT_DB})")


def _cells(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", action="append", default=[], help="only this scenario (repeatable)")
    p.add_argument("--executor", action="append", default=[], help="only this executor (repeatable)")
    p.add_argument("--metric", choices=METRICS, default="median")
    p.add_argument(
        "--normalize",
        choices=("floor",),
        default=None,
        help="floor: pool machines, comparing implementation cost (executor − raw, document ms)",
    )
    p.add_argument("--resamples", type=positive_int, default=2000, help=argparse.SUPPRESS)


def _guarded(act: Any) -> int:
    """``act()``; a bad store, run directory or value becomes one line (UsageError), exit 2."""
    from bench.history import HistoryError

    try:
        return int(act())
    except HistoryError as exc:
        raise UsageError(str(exc)) from None
    except sqlite3.Error as exc:
        raise UsageError(f"history store: {exc}") from None


def handle_add(ns: argparse.Namespace) -> int:
    from bench.history import AddOptions, SubprocessGit, add_run, open_store

    def act() -> int:
        opts = AddOptions(commit=ns.commit, branch=ns.branch, when=ns.when, machine=ns.machine)
        with open_store(ns.db) as store:
            for d in ns.runs:
                r = add_run(store, d, opts, SubprocessGit())
                what = "added" if r.added else "already in the store, left as it was:"
                print(
                    f"{what} {d} (commit {r.commit[:12]}, machine {r.machine}, {r.trials} trials) -> {ns.db}"
                )
        return 0

    return _guarded(act)


def handle_show(ns: argparse.Namespace) -> int:
    from bench.history import SubprocessGit, detect, load_series, open_store, write_trend

    def act() -> int:
        with open_store(ns.db, create=False) as store:
            series = load_series(
                store,
                SubprocessGit(),
                metric=ns.metric,
                scenarios=ns.scenario,
                executors=ns.executor,
                normalize=ns.normalize == "floor",
            )
        files = write_trend([detect(s, tolerance=ns.tolerance) for s in series], ns.out)
        _to_summary(files.summary.read_text(encoding="utf-8"))
        print(f"wrote {files.trend}, {files.summary} and {len(files.figures)} figures")
        return 0

    return _guarded(act)


def _policy(ns: argparse.Namespace) -> tuple[float, float, int]:
    """(tolerance, confidence, seed) from --spec's [regression] table, --tolerance over it."""
    from reports import GateError, RegressionPolicy, load_spec

    policy = RegressionPolicy()
    if ns.spec is not None:
        try:
            policy = load_spec(ns.spec).regression
        except GateError as exc:
            raise UsageError(str(exc)) from None
    tol = ns.tolerance if ns.tolerance is not None else policy.tolerance
    return tol, policy.confidence, policy.seed


def handle_check(ns: argparse.Namespace) -> int:
    from bench.history import CheckOptions, SubprocessGit, check_history, check_markdown, open_store
    from reports import write_json_atomic

    tol, conf, seed = _policy(ns)
    opts = CheckOptions(
        against=ns.against,
        candidate=ns.commit,
        base_branch=ns.base_branch,
        metric=ns.metric,
        normalize=ns.normalize == "floor",
        scenarios=tuple(ns.scenario),
        executors=tuple(ns.executor),
        machine=ns.machine,
        baseline_machine=ns.baseline_machine,
        tolerance=tol,
        confidence=conf,
        resamples=ns.resamples,
        seed=seed,
    )

    def act() -> int:
        with open_store(ns.db, create=False) as store:
            report = check_history(store, SubprocessGit(), opts)
        md = check_markdown(report)
        sys.stdout.write(md)
        _to_summary(md)
        if ns.json is not None:
            write_json_atomic(ns.json, report.to_json())
        return EXIT_FAIL if report.failed else EXIT_PASS

    return _guarded(act)


def handle_export(ns: argparse.Namespace) -> int:
    from bench.history import export_lines, open_store
    from reports import write_text_atomic

    def act() -> int:
        with open_store(ns.db, create=False) as store:
            text = "".join(line + "\n" for line in export_lines(store))
        if ns.out is None:
            sys.stdout.write(text)
        else:
            write_text_atomic(ns.out, text)
            print(f"wrote {ns.out}", file=sys.stderr)
        return 0

    return _guarded(act)


def handle_import(ns: argparse.Namespace) -> int:
    from bench.history import import_lines, open_store

    def act() -> int:
        with open_store(ns.db) as store:
            for f in ns.files:
                try:
                    lines = f.read_text(encoding="utf-8").splitlines()
                except (OSError, UnicodeDecodeError) as exc:
                    raise UsageError(f"{f}: cannot read ({exc})") from None
                r = import_lines(store, lines, where=str(f))
                print(f"imported {r.runs} runs ({r.rows} rows) from {f}; {r.skipped} already in {ns.db}")
        return 0

    return _guarded(act)


def _to_summary(md: str) -> None:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        # appended: other steps of the job write their own sections to the same file
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(md + "\n")
