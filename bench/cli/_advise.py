"""``pfcbench advise --scenario S --out DIR``: which executor, pool size, timeout and hedge to use for a
workload. Flags become a frozen ``AdviseConfig``; bad input is one line and exit 2."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    from bench.cli._args import positive_float, positive_int

    a = sub.add_parser("advise", help="search configurations, confirm the best by measurement, advise")
    src = a.add_mutually_exclusive_group(required=True)
    src.add_argument("--scenario", metavar="NAME|PATH", help="catalog name, a .toml file or file.toml:name")
    src.add_argument(
        "--trace",
        type=Path,
        action="append",
        metavar="TRACE",
        help="OTLP JSON trace file(s): a scenario is fitted to them first (as pfcbench fit does)",
    )
    a.add_argument("--current", metavar="LABEL", help="your configuration, e.g. threaded@5, to compare with")
    a.add_argument(
        "--slo-p95-ms", type=positive_float, help="p95 makespan target: the cheapest that meets it"
    )
    a.add_argument("--max-workers", type=positive_int, help="most workers a configuration may use")
    a.add_argument(
        "--budget-usd", type=positive_float, help="cost per turn allowed (no model in the loop: $0)"
    )
    from bench.cli._timescale import add_time_scale

    add_time_scale(a, "of the confirmation runs")
    a.add_argument(
        "--trials", type=positive_int, help="confirmation trials (default: 80, fewer to stay ~30 s)"
    )
    a.add_argument("--seed", type=int, default=7)
    a.add_argument(
        "--plans", type=positive_int, help="plans sampled for the search (default 256, fewer for many calls)"
    )
    a.add_argument("--out", type=Path, required=True)
    a.add_argument(
        "--framework", metavar="NAME",
        help="also say the advice in this framework's own settings, and what it cannot do (pfcbench list)",
    )  # fmt: skip
    a.add_argument(
        "--conformance", type=Path, metavar="DIR",
        help="a pfcbench conformance output: its measured gaps join --framework's advice",
    )  # fmt: skip
    a.set_defaults(handler=handle)


def _fitted(traces: list[Path], out: Path) -> Any:
    """The scenario ``pfcbench fit`` would write for ``traces``, written to DIR/fitted/ and read back."""
    from bench.cli._args import UsageError
    from bench.traces import TraceError, fit_trace, write_scenario
    from scenarios import ScenarioError, load_file

    try:
        fitted = fit_trace(traces, "fitted")
    except TraceError as exc:
        raise UsageError(str(exc)) from None
    path = out / "fitted" / "scenario.toml"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_scenario(fitted, path)  # checked as data first, as `pfcbench fit` does (nothing imported)
        return load_file(path)[0]
    except TraceError as exc:
        raise UsageError(str(exc)) from None
    except ScenarioError as exc:
        raise UsageError(f"--trace: the fitted scenario cannot be read back: {exc}") from None
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write there ({exc.strerror})") from None


def _scenario(ns: argparse.Namespace) -> Any:
    from bench.cli._args import UsageError
    from scenarios import ScenarioError, load_catalog, resolve

    if ns.trace:
        return _fitted(ns.trace, ns.out)
    try:
        found = resolve(ns.scenario, load_catalog())
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    if len(found) != 1:
        raise UsageError(
            f"--scenario {ns.scenario}: names {len(found)} scenarios; advise takes one (file.toml:name)"
        )
    return found[0]


def handle(ns: argparse.Namespace) -> int:
    from bench.advise import AdviseConfig, AdviseError, advise, drop_partial_advice, framework_advice
    from bench.cli._args import EXIT_INTERRUPTED, UsageError, same_named
    from bench.cli._timescale import resolve_time_scale
    from bench.run import RunError

    out: Path = ns.out
    if (out / "confirm" / "results.jsonl").exists():
        raise UsageError(f"--out {out}: already holds an advise run; choose another --out")
    conformance = _framework_inputs(ns)
    scenario = _scenario(ns)
    ns.time_scale = resolve_time_scale(ns.time_scale, [scenario])  # before the search: one line, exit 2
    given = {"scenario": scenario, "out": out, "conformance": conformance}
    config = AdviseConfig(**{**same_named(ns, AdviseConfig), **given})
    try:
        out.mkdir(parents=True, exist_ok=True)
        advice = advise(config, progress=lambda msg: print(f"advise: {msg}", file=sys.stderr))
    except (AdviseError, RunError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write there ({exc.strerror})") from None
    except KeyboardInterrupt:
        gone = drop_partial_advice(out)
        removed = f" (removed {', '.join(gone)})" if gone else ""
        print(f"pfcbench: advise interrupted; no advice written{removed}", file=sys.stderr)
        return EXIT_INTERRUPTED
    best = advice["recommendations"][0]
    print(f"recommended: {best['label']} (measured p50 {best['measured_p50_ms']:,.0f} ms, "
          f"p95 {best['measured_p95_ms']:,.0f} ms); see {out / 'advice.md'}")  # fmt: skip
    if config.framework is not None:  # advice.md holds these lines too; the settings are printed
        for line in framework_advice(config.framework, best["label"], scenario, conformance)[2:]:
            if line:
                print(line.removeprefix("- "))
    return 0


def _framework_inputs(ns: argparse.Namespace) -> Any:
    """``--framework`` checked and ``--conformance`` read before the (long) search starts."""
    from bench.advise import read_conformance
    from bench.cli._args import UsageError
    from bench.run.frameworks import FRAMEWORKS

    if ns.conformance is not None and not ns.framework:
        raise UsageError("--conformance is read only with --framework NAME")
    if ns.framework and ns.framework not in FRAMEWORKS:
        raise UsageError(f"--framework: unknown {ns.framework!r}; choose from {', '.join(FRAMEWORKS)}")
    try:
        return read_conformance(ns.conformance) if ns.conformance is not None else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
