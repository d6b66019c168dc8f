"""``pfcbench run``: the flags parsed into one ``RunConfig`` handed to ``bench.run.run``, which builds the
run (executors, guards, model), runs it and writes every file of ``--out``."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.cli._args import (
    EXIT_INTERRUPTED,
    Parser,
    UsageError,
    nonneg_float,
    nonneg_int,
    positive_float,
    positive_int,
    same_named,
)

if TYPE_CHECKING:
    from bench.models import GenerationSettings
    from bench.run import RunConfig, TraceReplay
    from scenarios import Scenario


def register(sub: Any) -> None:
    from bench.cli._timescale import add_time_scale

    r: Parser = sub.add_parser("run", help="measure scenarios x executors into --out")
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
    add_time_scale(r)
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
    r.add_argument(
        "--quota-grace-wall-ms",
        type=nonneg_float,
        default=5.0,  # scenarios.MIN_GRACE_WALL_S, not imported here: --help stays light
        metavar="MS",
        help="run a scenario with a quota at a time scale where the simulated server's grace (a tenth of a "
        "token interval) is at least MS of wall time, so a thread paused by the machine is not refused by "
        "chance; 0 never raises the time scale (default 5: the GIL's switch interval)",
    )
    r.add_argument(
        "--trace",
        action="append",
        type=Path,
        metavar="TRACE",
        help="replay the recorded turns of OTLP JSON trace file(s) instead of --scenario; repeatable",
    )
    from bench.cli._fit import add_turns_argument

    add_turns_argument(r)
    r.set_defaults(handler=handle)


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


def _scenarios(refs: Sequence[str]) -> tuple[Scenario, ...]:
    from scenarios import ScenarioError, load_catalog, resolve

    try:
        catalog = load_catalog()
        found = [s for ref in refs for s in resolve(ref, catalog)]
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    names = [s.name for s in found]
    if len(set(names)) != len(names):
        raise UsageError(f"--scenario: {next(n for n in names if names.count(n) > 1)!r} is given twice")
    return tuple(found)


def _trace_replay(ns: argparse.Namespace) -> TraceReplay:
    """The replay of ``--trace`` files (UsageError for bad input or flags that do not apply)."""
    from bench.run import trace_replay
    from bench.traces import TraceError

    if ns.scenario:
        raise UsageError("--trace replays the trace's own turns; leave out --scenario")
    if ns.model != "none":
        raise UsageError("--trace replays tool calls only; use --model none")
    try:
        replay = trace_replay(ns.trace, reading=ns.turns)
    except TraceError as exc:
        raise UsageError(str(exc)) from None
    for line in replay.notes:  # how the trace was read (the report says it too)
        print(f"note: {line}", file=sys.stderr)
    return replay


def run_config(ns: argparse.Namespace, argv: Sequence[str], modes: tuple[str, ...]) -> RunConfig:
    """The ``run`` flags as the runner's typed config (the scenarios resolved, the guards as given)."""
    from bench.cli._guards import guard_spec
    from bench.cli._model import model_options
    from bench.cli._timescale import resolve_time_scale
    from bench.run import RunConfig
    from executors import DEFAULT_EXECUTORS

    replay = None
    if ns.trace:  # trace replay: one scenario whose trials are the recorded turns
        ns.time_scale = resolve_time_scale(ns.time_scale, ())
        replay = _trace_replay(ns)
        scenarios: tuple[Scenario, ...] = (replay.scenario,)
    elif not ns.scenario:
        raise UsageError("pfcbench run: --scenario (or --trace) is required")
    else:
        scenarios = _scenarios(ns.scenario)
        ns.time_scale = resolve_time_scale(
            ns.time_scale, scenarios
        )  # checks a given scale against real tools
    built = {
        "scenarios": scenarios,
        "executors": tuple(dict.fromkeys(ns.executor or DEFAULT_EXECUTORS)),
        "trials": replay.trials if replay else ns.trials,
        "argv": tuple(argv),
        "guards": guard_spec(ns),
        "model_modes": modes,
        "model_options": model_options(ns),
        "plans": replay,
    }
    return RunConfig(**same_named(ns, RunConfig) | built)


def handle(ns: argparse.Namespace) -> int:
    saved = os.environ.get("GOOGLE_API_KEY")
    try:
        return _cmd_run(ns, ns.argv)
    finally:
        # a key taken from --gemini-base-url lives only as long as this command (main() may run again)
        if saved is None:
            os.environ.pop("GOOGLE_API_KEY", None)
        else:
            os.environ["GOOGLE_API_KEY"] = saved


def _cmd_run(ns: argparse.Namespace, argv: Sequence[str]) -> int:
    from bench.cli._model import check_model_args, model_modes
    from bench.cli._progress import ProgressBar
    from bench.models import CassetteError, ModelError
    from bench.run import RunError, run

    _split_url_key(ns)
    # absolute from the start: a tool that chdir()s must not move where the run, or its headline, reads
    ns.out = ns.out.absolute()
    config = run_config(ns, argv, model_modes(ns))
    check_model_args(ns, config.labels)
    gen = _request_settings(ns, config.scenarios)
    config = dataclasses.replace(config, settings=gen.as_json())
    from bench.cli._clamp import clamp_note

    if (note := clamp_note(config.labels, config.scenarios)) is not None:
        print(note, file=sys.stderr)
    try:
        written = run(config, progress=ProgressBar())
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
    if ns.model != "none":
        from reports import render_e2e

        e2e = render_e2e(ns.out)
        if e2e is not None:
            print(f"wrote {e2e}")
    print(f"wrote {written} records to {ns.out / 'results.jsonl'}")
    _print_headline(ns.out)
    return 0


def _print_headline(out: Path) -> None:
    """The run's answer on stdout (hyperfine style), then where the rest is."""
    from reports import run_headline

    try:
        lines = run_headline(out)
    except ValueError:  # no executor records (an interrupted or empty run): nothing to summarise
        return
    print("", *lines, "", f"details: pfcbench report {out}", sep="\n")


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
