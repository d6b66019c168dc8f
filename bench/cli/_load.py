"""``pfcbench load``, ``serve-apis`` and ``http-compare``: their flags, checked and turned into the typed
configs of ``bench.load``, which does the work (open-loop load at one rate or a sweep of rates: queries.jsonl,
load.json, load.md and figures into --out; the in-process vs HTTP comparison)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.cli._args import UsageError, port_number, positive_float, positive_int, same_named
from bench.cli._timescale import SIMULATED_HELP, SIMULATED_TIME_SCALE

if TYPE_CHECKING:
    from bench.load import HttpCompareConfig, LoadConfig
    from scenarios import Scenario


def register(sub: Any) -> None:
    _register_load(sub)
    _register_serve(sub)
    _register_http_compare(sub)


def _register_load(sub: Any) -> None:
    p = sub.add_parser("load", help="open-loop load test: queries arrive on a fixed schedule")
    p.add_argument("--scenario", required=True, metavar="NAME|PATH")
    p.add_argument("--executor", default="threaded", metavar="NAME[@K]")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--rate", type=positive_float, help="offered load, queries per wall second")
    g.add_argument("--sweep", metavar="R1,R2,...", help="a series of rates (one run each) to find saturation")
    p.add_argument("--duration", type=positive_float, default=10.0, help="wall seconds of arrivals per run")
    p.add_argument("--arrival", choices=("constant", "poisson", "gamma"), default="poisson")
    p.add_argument("--burstiness", type=positive_float, default=1.0, help="gamma arrivals: CV of the gaps")
    p.add_argument(
        "--model",
        choices=("none", "simulated"),
        default="none",
        help="none: each query is one turn's calls; simulated: each query is a whole agent session "
        "(model turns + calls) with the simulated model",
    )
    p.add_argument(
        "--model-mode",
        choices=("parallel", "sequential", "dependent"),
        default="parallel",
        help="simulated model: all calls in one turn, one call per turn, or dependency waves",
    )
    p.add_argument(
        "--sim-ttft-ms",
        type=positive_float,
        default=400.0,
        help="simulated model: time to first token per turn, document ms",
    )
    p.add_argument(
        "--concurrency-cap",
        type=positive_int,
        default=256,  # bench.load.DEFAULT_CONCURRENCY_CAP, not imported here: --help stays light
        help="queries in flight at most, on as many worker threads; more wait in a queue (default 256)",
    )
    p.add_argument(
        "--limiter",
        choices=("per-query", "shared", "none"),
        default="per-query",
        help="client-side quota limiter: one per query (they collide: 429s), one shared by all, or none",
    )
    p.add_argument("--transport", choices=("inprocess", "http"), default="inprocess")
    p.add_argument("--url", default=None, help="a running 'pfcbench serve-apis' (http; default: start one)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--time-scale", type=positive_float, default=SIMULATED_TIME_SCALE, help=SIMULATED_HELP)
    p.add_argument(
        "--drain-timeout", type=positive_float, default=30.0, help="seconds to wait after arrivals"
    )
    p.add_argument("--late-ms", type=positive_float, default=10.0, help="a start later than this is 'late'")
    p.add_argument("--baseline", type=int, default=20, help="unloaded queries run one at a time first")
    p.add_argument("--stall-at", type=float, default=None, help="freeze the APIs at this second of the run")
    p.add_argument("--stall-for", type=positive_float, default=1.0, help="... for this many seconds")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(handler=cmd_load)


def _register_serve(sub: Any) -> None:
    s = sub.add_parser("serve-apis", help="serve a scenario's simulated APIs over HTTP on loopback")
    s.add_argument("--scenario", required=True, metavar="NAME|PATH")
    s.add_argument("--port", type=port_number, default=8765, help="0 picks a free port (printed on stdout)")
    s.add_argument("--time-scale", type=positive_float, default=SIMULATED_TIME_SCALE, help=SIMULATED_HELP)
    s.set_defaults(handler=cmd_serve)


def _register_http_compare(sub: Any) -> None:
    c = sub.add_parser("http-compare", help="in-process vs HTTP on the same plans: what the network costs")
    c.add_argument("--scenario", required=True, metavar="NAME|PATH")
    c.add_argument("--executor", action="append", metavar="NAME[@K]")
    c.add_argument("--trials", type=positive_int, default=10)
    c.add_argument("--seed", type=int, default=7)
    c.add_argument("--time-scale", type=positive_float, default=SIMULATED_TIME_SCALE, help=SIMULATED_HELP)
    c.add_argument("--url", default=None, help="a running 'pfcbench serve-apis' (default: start one)")
    c.add_argument("--out", type=Path, required=True)
    c.set_defaults(handler=cmd_http_compare)


def _scenario(ref: str) -> Scenario:
    from scenarios import ScenarioError, load_catalog, resolve

    try:
        found = resolve(ref, load_catalog())
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    if len(found) != 1:
        raise UsageError(f"--scenario: {ref!r} names {len(found)} scenarios; name exactly one")
    real = found[0].real_tools()
    if real:  # serve-apis serves simulated APIs only, and load runs at scaled time
        raise UsageError(
            f"--scenario: {ref!r}: tool {real[0].name!r} is a {real[0].kind} tool; load tests take simulated tools only"
        )
    return found[0]


def _check_url(url: str | None) -> str | None:
    from urllib.parse import urlsplit

    if url is not None and urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise UsageError(f"--url: {url!r}: only loopback servers are allowed (127.0.0.1)")
    return url


def cmd_serve(ns: argparse.Namespace) -> int:
    import socket

    from bench.load import serve_forever

    sc = _scenario(ns.scenario)
    port = ns.port
    if port == 0:  # choose here so the URL can be printed before serving
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    try:
        _check_bindable(port)
        print(f"serving {sc.name} on http://127.0.0.1:{port}", flush=True)
        serve_forever(sc, ns.time_scale, "127.0.0.1", port)
    except OSError as exc:
        raise UsageError(f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror or exc})") from None
    return 0


def _check_bindable(port: int) -> None:
    """Bind once before printing the URL, so a port in use fails here with one line, not after the banner."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def _rates(ns: argparse.Namespace) -> tuple[float, ...]:
    if ns.rate is not None:
        return (ns.rate,)
    try:
        rates = [float(x) for x in ns.sweep.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--sweep: {ns.sweep!r} is not a comma-separated list of rates") from None
    if not rates or any(not (r > 0 and math.isfinite(r)) for r in rates):
        raise UsageError(f"--sweep: {ns.sweep!r}: every rate must be a number > 0")
    return tuple(sorted(rates))


def load_config(ns: argparse.Namespace) -> LoadConfig:
    """The ``load`` flags as a checked, typed config."""
    from bench.load import LoadConfig

    sc = _scenario(ns.scenario)
    rates = _rates(ns)
    if ns.baseline < 0:
        raise UsageError("--baseline must be >= 0")
    built = {
        "scenario": sc,
        "scenario_ref": ns.scenario,
        "rates": rates,
        "sweep": ns.sweep is not None,
        "url": _check_url(ns.url) if ns.transport == "http" else ns.url,
        "recorded": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in vars(ns).items() if k != "handler"
        },
    }
    return LoadConfig(**same_named(ns, LoadConfig) | built)


def cmd_load(ns: argparse.Namespace) -> int:
    from bench.load import LoadError, load_test

    config = load_config(ns)
    try:
        load_test(config)
    except LoadError as exc:
        raise UsageError(str(exc)) from None
    return 0


def http_compare_config(ns: argparse.Namespace) -> HttpCompareConfig:
    from bench.load import HttpCompareConfig

    return HttpCompareConfig(
        scenario=_scenario(ns.scenario),
        scenario_ref=ns.scenario,
        out=ns.out,
        executors=tuple(dict.fromkeys(ns.executor or ("sequential", "threaded", "asyncio"))),
        trials=ns.trials,
        seed=ns.seed,
        time_scale=ns.time_scale,
        url=_check_url(ns.url),
    )


def cmd_http_compare(ns: argparse.Namespace) -> int:
    from bench.load import LoadError, http_compare

    try:
        http_compare(http_compare_config(ns))
    except LoadError as exc:
        raise UsageError(str(exc)) from None
    return 0
