"""The ``pfcbench`` command. Bad input gets one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.cli._args import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Parser,
    UsageError,
    as_flags,
    nonneg_int,
    positive_float,
    positive_int,
    same_named,
)

if TYPE_CHECKING:
    from bench.models import GenerationSettings
    from bench.run import RunConfig
    from executors import Executor, Guards
    from scenarios import Scenario


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="pfcbench", description="Benchmark parallel function calling executors.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    sub.add_parser("list", help="list catalog scenarios and executors")

    r = sub.add_parser("run", help="measure scenarios x executors into --out")
    r.add_argument(
        "--scenario",
        action="append",
        metavar="NAME|PATH",
        help="catalog name, a .toml file (all its scenarios) or file.toml:name; repeatable",
    )
    r.add_argument(
        "--executor",
        action="append",
        metavar="NAME[@K]",
        help="executor label, repeatable (default: sequential threaded asyncio batched ratelimited)",
    )
    r.add_argument("--trials", type=positive_int, default=20)
    r.add_argument("--seed", type=int, default=7)
    r.add_argument(
        "--time-scale",
        type=positive_float,
        default=0.1,
        help="wall seconds per document second (0.1 runs a 500 ms call in 50 ms)",
    )
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--warmup", type=nonneg_int, default=1, help="unrecorded warm-up trials")
    r.add_argument("--max-workers", type=positive_int, default=None, help="thread pool size for 'threaded'")
    r.add_argument("--resume", action="store_true", help="finish an interrupted run in --out")
    _add_size_arguments(r)
    from bench.cli._guards import add_guard_arguments

    add_guard_arguments(r)
    from bench.cli._model import add_model_args

    add_model_args(r)
    # Hidden: multiplies every tool's latency at run time, for measuring the regression gate's power
    # (tools/gate_power.py). Recorded in run.json; the scenario hash is unchanged, so the gate compares.
    r.add_argument("--inject-slowdown", type=positive_float, default=1.0, help=argparse.SUPPRESS)
    from bench.cli._fit import add_trace_argument

    add_trace_argument(r)

    rep = sub.add_parser("report", help="render report.md, figures and summary.csv from a run directory")
    rep.add_argument("dir", type=Path)

    cmp_ = sub.add_parser("compare", help="compare two run directories (markdown on stdout)")
    cmp_.add_argument("base", type=Path)
    cmp_.add_argument("new", type=Path)
    for module in _extra_commands():
        module.register(sub)
    return p


def _add_size_arguments(r: argparse.ArgumentParser) -> None:
    r.add_argument(
        "--max-wall-s",
        type=positive_float,
        default=21_600.0,  # bench.run.MAX_WALL_S, not imported here: --help stays light (no numpy)
        help="refuse a run whose wall time by theory is longer (default 21600 s: six hours)",
    )
    r.add_argument(
        "--allow-huge",
        action="store_true",
        help="run more than 1000 scenario x executor cells or 1000 calls per turn",
    )


def _extra_commands() -> list[Any]:
    """Commands that live in their own modules (``bench/_cmd_*.py``), each with ``register(sub)`` adding a
    subparser whose ``handler`` default is ``(namespace) -> exit code``, raising ``UsageError`` for bad input."""
    import importlib

    names: tuple[str, ...] = ("_load", "_experiments", "_serve_gemini", "_gate", "_fit", "_advise")
    return [importlib.import_module(f"bench.cli.{n}") for n in names]


def cmd_list() -> int:
    from executors import DEFAULT_EXECUTORS, EXECUTORS
    from scenarios import load_catalog

    cat = load_catalog()
    print("scenarios:")
    width = max(len(n) for n in cat)
    for name in sorted(cat):
        print(f"  {name:<{width}}  {cat[name].description}")
    print("executors (NAME or NAME@K):")
    width = max(len(n) for n in EXECUTORS)
    for info in EXECUTORS.values():
        k = f" [@K: {info.param}]" if info.param else ""
        default = "" if info.name in DEFAULT_EXECUTORS else " (not in the default set)"
        print(f"  {info.name:<{width}}  {info.summary}{k}{default}")
    return 0


def _scenarios(refs: Sequence[str], time_scale: float) -> tuple[Scenario, ...]:
    from scenarios import ScenarioError, check_time_scale, load_catalog, resolve

    try:
        catalog = load_catalog()
        found = [s for ref in refs for s in resolve(ref, catalog)]
        check_time_scale(found, time_scale)  # real tools' work cannot be scaled
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    names = [s.name for s in found]
    if len(set(names)) != len(names):
        raise UsageError(f"--scenario: {next(n for n in names if names.count(n) > 1)!r} is given twice")
    return tuple(found)


def _executors(ns: argparse.Namespace, labels: tuple[str, ...], guards: Guards | None) -> dict[str, Executor]:
    from bench.cli._model import AFC
    from executors import UnknownExecutor, make_executor

    try:
        return {
            lb: make_executor(lb, time_scale=ns.time_scale, max_workers=ns.max_workers, guards=guards)
            for lb in labels
            if lb != AFC  # the peer baseline runs its own loop (bench.run's AFC peer)
        }
    except UnknownExecutor as exc:
        raise UsageError(str(exc)) from None


def run_config(ns: argparse.Namespace, argv: Sequence[str], modes: tuple[str, ...]) -> RunConfig:
    """The ``run`` flags as the runner's typed config (the scenarios resolved, the guards as given)."""
    from bench.cli._guards import check_guard_tools, guard_settings
    from bench.run import RunConfig
    from executors import DEFAULT_EXECUTORS

    replay = None
    if ns.trace:  # trace replay: one scenario whose trials are the recorded turns
        from bench.cli._fit import trace_replay_for

        replay = trace_replay_for(ns)
        scenarios: tuple[Scenario, ...] = (replay.scenario,)
    elif not ns.scenario:
        raise UsageError("pfcbench run: --scenario (or --trace) is required")
    else:
        scenarios = _scenarios(ns.scenario, ns.time_scale)
    check_guard_tools(guard_settings(ns), {t.name for s in scenarios for t in s.tools})
    built = {
        "scenarios": scenarios,
        "executors": tuple(dict.fromkeys(ns.executor or DEFAULT_EXECUTORS)),
        "trials": replay.trials if replay else ns.trials,
        "argv": tuple(argv),
        "guards": guard_settings(ns),
        "model_modes": modes,
        "plans": replay,
    }
    return RunConfig(**same_named(ns, RunConfig) | built)


def cmd_run(ns: argparse.Namespace, argv: Sequence[str]) -> int:
    saved = os.environ.get("GOOGLE_API_KEY")
    try:
        return _cmd_run(ns, argv)
    finally:
        # a key taken from --gemini-base-url lives only as long as this command (main() may run again)
        if saved is None:
            os.environ.pop("GOOGLE_API_KEY", None)
        else:
            os.environ["GOOGLE_API_KEY"] = saved


def _cmd_run(ns: argparse.Namespace, argv: Sequence[str]) -> int:
    from bench.cli._guards import guards_from
    from bench.cli._model import build_model, check_model_args, model_modes
    from bench.cli._progress import ProgressBar
    from bench.models import CassetteError, ModelError
    from bench.run import RunError, run

    _split_url_key(ns)
    config = run_config(ns, argv, model_modes(ns))
    guards = guards_from(config.guards, config.time_scale, seed=config.seed)
    check_model_args(ns, config.executors)
    gen = _request_settings(ns, config.scenarios)
    config = dataclasses.replace(config, settings=gen.as_json())
    executors = _executors(ns, config.executors, guards)
    from bench.cli._clamp import clamp_note

    if (note := clamp_note(config.executors, config.scenarios)) is not None:
        print(note, file=sys.stderr)
    model = build_model(ns, gen)
    _check_cassette(model.driver, config.scenarios, config.executors)
    try:
        written = run(config, executors, ProgressBar(), model=model.driver, warm_model=model.warm)
    except RunError as exc:
        raise UsageError(str(exc)) from None
    except (ModelError, CassetteError) as exc:
        # records finished before the failure stay in results.jsonl; the message is one key-free line
        raise UsageError(f"--model {ns.model}: {exc}") from None
    except KeyboardInterrupt:
        print(
            f"pfcbench: interrupted; finished records are in {ns.out / 'results.jsonl'}; "
            f"finish with: pfcbench run ... --out {ns.out} --resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    finally:
        model.close()
        for ex in executors.values():
            ex.close()
    if ns.model != "none":
        from reports import render_e2e

        e2e = render_e2e(ns.out)
        if e2e is not None:
            print(f"wrote {e2e}")
    if config.plans is not None:
        from bench.cli._fit import append_recorded

        written += append_recorded(ns, config.plans)
    print(f"wrote {written} records to {ns.out / 'results.jsonl'}")
    return 0


def _split_url_key(ns: argparse.Namespace) -> None:
    """A key written into --gemini-base-url leaves the URL (so run.json never holds it) and becomes this
    command's key: it wins over the environment's, being what the user typed."""
    from bench.models import split_key

    if ns.model != "none" and ns.gemini_base_url:
        ns.gemini_base_url, key = split_key(ns.gemini_base_url)
        if key:
            # every client of the run (both drivers, the AFC baseline) resolves its key from here
            os.environ["GOOGLE_API_KEY"] = key


def _request_settings(ns: argparse.Namespace, found: Sequence[Scenario]) -> GenerationSettings:
    """The request settings from flags over the scenarios' [model] tables."""
    from bench.cli._model import generation_settings
    from scenarios import ScenarioError, model_table

    try:
        tables = [(s.source, model_table(s)) for s in found]
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    return generation_settings(ns, tables)


def _check_cassette(driver: object, found: Sequence[Scenario], labels: Sequence[str]) -> None:
    from bench.models import CassetteError, ReplayModel

    if isinstance(driver, ReplayModel):
        try:
            driver.check_run({s.name: s.fingerprint() for s in found}, labels)
        except CassetteError as exc:
            raise UsageError(f"--model replay: {exc}") from None


def cmd_report(ns: argparse.Namespace) -> int:
    from reports import collector_paused

    # The collector off for the command: a report builds a million objects, nearly none in a cycle, and its
    # 340 collections took 0.15 s on a 10,080-record run (wall 2.04 -> 1.97 s without them; +6 MB peak).
    with collector_paused():
        return _report(ns)


def _report(ns: argparse.Namespace) -> int:
    from reports import SchemaError, render_report

    if not (ns.dir / "results.jsonl").is_file():
        raise UsageError(f"{ns.dir}: no results.jsonl here (run 'pfcbench run --out {ns.dir}' first)")
    results = ns.dir / "results.jsonl"

    def warn(problem: str) -> None:
        print(f"pfcbench: warning: {results}: {problem}", file=sys.stderr)

    try:
        path = render_report(ns.dir, on_problem=warn)
    except (SchemaError, ValueError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    print(f"wrote {path}")
    otel = ns.dir / "otel.json"
    if _is_current(otel, ns.dir / "results.jsonl", ns.dir / "run.json"):
        # otel.json is a pure function of those two files and the run wrote it last: rewriting its
        # ~7 spans per call (75 MB for the default run) would cost several times the whole report.
        print(f"kept {otel} (newer than results.jsonl and run.json)")
        return 0
    from bench.traces import write_otel

    print(f"wrote {write_otel(ns.dir)}")
    return 0


def _is_current(target: Path, *sources: Path) -> bool:
    """Whether ``target`` exists and is at least as new as every existing source."""
    try:
        mtime = target.stat().st_mtime_ns
    except OSError:
        return False
    return all(mtime >= s.stat().st_mtime_ns for s in sources if s.exists())


def cmd_compare(ns: argparse.Namespace) -> int:
    from reports import SchemaError, compare_runs

    for d in (ns.base, ns.new):
        if not (d / "results.jsonl").is_file():
            raise UsageError(f"{d}: no results.jsonl here")
    try:
        print(compare_runs(ns.base, ns.new))
    except (SchemaError, ValueError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Every outcome is an exit code and, for a failure, one line on stderr: 2 for bad input or any error,
    130 for Ctrl-C or SIGTERM (also while modules are still importing)."""
    from bench.cli._signals import sigterm_as_interrupt

    try:
        with sigterm_as_interrupt():
            return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("pfcbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug or an unforeseen failure: still one line, not a traceback
        if os.environ.get("PFCBENCH_TRACEBACK"):
            raise
        first = (str(exc).splitlines() or [""])[0]
        print(
            f"pfcbench: error: {type(exc).__name__}: {first} (set PFCBENCH_TRACEBACK=1 to see where)",
            file=sys.stderr,
        )
        return EXIT_USAGE


#: commands that leave nothing behind but closed files: the console script ends them without the
#: interpreter's teardown, which on a 10,000-record report (a million objects, pandas and matplotlib
#: loaded) took 0.2 s after the last file was written
_NO_TEARDOWN = frozenset({"report", "gate"})


def entry() -> None:  # pragma: no cover - the console script; tests call main()
    """``pfcbench``: ``main()``, then the exit; for a command of ``_NO_TEARDOWN`` that returned, the
    streams are flushed and the process ends at once (its files are written atomically and closed)."""
    args = sys.argv[1:]
    code = main(args)
    if args and args[0] in _NO_TEARDOWN:
        for stream in (sys.stdout, sys.stderr):
            # a reader gone (`| head`) or a stream closed: nothing left to keep
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    from bench.cli._exit import leave

    leave(code)  # not sys.exit: threads a tool left running would hold the process open


def _dispatch(args: list[str]) -> int:
    try:
        ns = build_parser().parse_args(args)
        if ns.command == "list":
            return cmd_list()
        if ns.command == "run":
            return cmd_run(ns, args)
        if ns.command == "report":
            return cmd_report(ns)
        if ns.command == "compare":
            return cmd_compare(ns)
        handler = getattr(ns, "handler", None)
        if handler is not None:
            return int(handler(ns))
        raise UsageError(f"pfcbench: unknown command {ns.command!r}")
    except UsageError as exc:
        from bench.models import redact

        text = redact(as_flags(str(exc)))
        print(text if text.startswith("pfcbench") else f"pfcbench: error: {text}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    entry()
