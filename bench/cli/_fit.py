"""``pfcbench fit TRACE... --out scenario.toml`` (a scenario fitted to OTLP JSON trace files) and the
``--trace`` flag of ``pfcbench run`` (replay a trace's turns). Bad trace input: one line, exit 2."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from bench.cli._args import UsageError


def register(sub: Any) -> None:
    f = sub.add_parser("fit", help="fit a scenario file to OTLP JSON trace files (gen_ai execute_tool spans)")
    f.add_argument("trace", nargs="+", type=Path, metavar="TRACE", help="OTLP JSON file(s)")
    f.add_argument("--out", type=Path, required=True, help="scenario file to write (.toml)")
    f.add_argument("--name", default=None, help="scenario name (default: from --out)")
    f.set_defaults(handler=handle)


def add_trace_argument(run_parser: argparse.ArgumentParser) -> None:
    run_parser.add_argument(
        "--trace",
        action="append",
        type=Path,
        metavar="TRACE",
        help="replay the recorded turns of OTLP JSON trace file(s) instead of --scenario; repeatable",
    )


def _name(ns: argparse.Namespace) -> str:
    name = ns.name or re.sub(r"[^A-Za-z0-9_.-]+", "-", ns.out.stem).strip("-.") or "fitted"
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*", name):
        raise UsageError(f"--name: must be letters, digits, '-', '_' or '.', got {name!r}")
    return name


def handle(ns: argparse.Namespace) -> int:
    from bench.traces import TraceError, fit_trace, write_scenario
    from scenarios import ScenarioError, load_file

    name = _name(ns)
    try:
        fitted = fit_trace(ns.trace, name)
    except TraceError as exc:
        raise UsageError(str(exc)) from None
    try:
        written = write_scenario(fitted, ns.out)
    except OSError as exc:
        raise UsageError(f"--out {ns.out}: cannot write: {exc.strerror or exc}") from None
    try:
        load_file(ns.out)  # what we write must be a scenario pfcbench runs
    except ScenarioError as exc:
        raise UsageError(f"pfcbench fit wrote a scenario it cannot read back: {exc}") from None
    for t in fitted.tools:
        f = t.fit
        print(
            f"{t.name}: n={f.n} {f.latency.describe()} ({f.family}); p50 {f.p50_ms:.1f} ms, "
            f"p95 {f.p95_ms:.1f} ms; errors {t.error_rate:.1%}; 429s {t.rate_limited}"
        )
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def trace_replay_for(ns: argparse.Namespace) -> Any:
    """The ``TraceReplay`` of ``--trace`` files (UsageError for bad input or flags that do not apply)."""
    from bench.traces import TraceError, trace_replay

    if ns.scenario:
        raise UsageError("--trace replays the trace's own turns; leave out --scenario")
    if ns.model != "none":
        raise UsageError("--trace replays tool calls only; use --model none")
    try:
        return trace_replay(ns.trace)
    except TraceError as exc:
        raise UsageError(str(exc)) from None


def append_recorded(ns: argparse.Namespace, replay: Any) -> int:
    """Append the ``recorded`` pseudo-executor's records (once, also on --resume) and rewrite otel.json."""
    import json

    from bench.traces import RECORDED, write_otel
    from reports import ResultsWriter, read_records, write_json_atomic

    results = ns.out / "results.jsonl"
    if any(r.executor == RECORDED for r in read_records(results)):
        return 0
    meta = json.loads((ns.out / "run.json").read_text(encoding="utf-8"))
    records = replay.recorded_records(meta["run_id"], ns.seed, ns.time_scale)
    with ResultsWriter(results) as w:
        for r in records:
            w.write(r)
    # run.json counts every line of results.jsonl: report and gate compare the two
    meta["records"] = int(meta.get("records") or 0) + len(records)
    write_json_atomic(ns.out / "run.json", meta)
    write_otel(ns.out)
    return len(records)
