"""``pfcbench load``: open-loop load against the simulated APIs (in process or over HTTP), one rate or a
sweep of rates to find saturation. Writes queries.jsonl (one line per query as it finishes), load.json,
load.md and figures into --out."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.cli._args import UsageError, port_number, positive_float, positive_int

#: unloaded-baseline queries draw trial indices no load run reaches
BASELINE_TRIAL = 1_000_000


def register(sub: Any) -> None:
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
    p.add_argument("--concurrency-cap", type=positive_int, default=None, help="queries in flight at most")
    p.add_argument(
        "--limiter",
        choices=("per-query", "shared", "none"),
        default="per-query",
        help="client-side quota limiter: one per query (they collide: 429s), one shared by all, or none",
    )
    p.add_argument("--transport", choices=("inprocess", "http"), default="inprocess")
    p.add_argument("--url", default=None, help="a running 'pfcbench serve-apis' (http; default: start one)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--time-scale", type=positive_float, default=0.1)
    p.add_argument(
        "--drain-timeout", type=positive_float, default=30.0, help="seconds to wait after arrivals"
    )
    p.add_argument("--late-ms", type=positive_float, default=10.0, help="a start later than this is 'late'")
    p.add_argument("--baseline", type=int, default=20, help="unloaded queries run one at a time first")
    p.add_argument("--stall-at", type=float, default=None, help="freeze the APIs at this second of the run")
    p.add_argument("--stall-for", type=positive_float, default=1.0, help="... for this many seconds")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(handler=cmd_load)

    s = sub.add_parser("serve-apis", help="serve a scenario's simulated APIs over HTTP on loopback")
    s.add_argument("--scenario", required=True, metavar="NAME|PATH")
    s.add_argument("--port", type=port_number, default=8765, help="0 picks a free port (printed on stdout)")
    s.add_argument("--time-scale", type=positive_float, default=0.1)
    s.set_defaults(handler=cmd_serve)

    c = sub.add_parser("http-compare", help="in-process vs HTTP on the same plans: what the network costs")
    c.add_argument("--scenario", required=True, metavar="NAME|PATH")
    c.add_argument("--executor", action="append", metavar="NAME[@K]")
    c.add_argument("--trials", type=positive_int, default=10)
    c.add_argument("--seed", type=int, default=7)
    c.add_argument("--time-scale", type=positive_float, default=0.1)
    c.add_argument("--url", default=None, help="a running 'pfcbench serve-apis' (default: start one)")
    c.add_argument("--out", type=Path, required=True)
    c.set_defaults(handler=cmd_http_compare)


def _scenario(ref: str) -> Any:
    from scenarios import ScenarioError, load_catalog, resolve

    try:
        found = resolve(ref, load_catalog())
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    if len(found) != 1:
        raise UsageError(f"--scenario: {ref!r} names {len(found)} scenarios; name exactly one")
    return found[0]


def _check_url(url: str) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise UsageError(f"--url: {url!r}: only loopback servers are allowed (127.0.0.1)")
    return url


@contextlib.contextmanager
def api_server(ref: str, time_scale: float, url: str | None) -> Iterator[str]:
    """A serve-apis URL: the given one, or a child process on a free loopback port (its own GIL, so the
    server's work does not steal the client's interpreter), stopped on exit."""
    if url is not None:
        yield _check_url(url)
        return
    import subprocess
    import sys

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench",
            "serve-apis",
            "--scenario",
            ref,
            "--port",
            "0",
            "--time-scale",
            repr(time_scale),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "serving <scenario> on http://127.0.0.1:PORT"
        if "http://" not in line:
            raise UsageError(f"serve-apis did not start (exit {proc.poll()})")
        yield line.strip().split()[-1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def cmd_serve(ns: argparse.Namespace) -> int:
    import socket

    from scenarios._http_server import serve_forever

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


def _prepare_out(out: Path, names: tuple[str, ...]) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write there ({exc.strerror})") from None
    for n in names:
        if (out / n).exists():
            raise UsageError(f"--out {out}: already holds {n}; choose another --out")


def _rates(ns: argparse.Namespace) -> list[float]:
    if ns.rate is not None:
        return [ns.rate]
    try:
        rates = [float(x) for x in ns.sweep.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--sweep: {ns.sweep!r} is not a comma-separated list of rates") from None
    if not rates or any(not (r > 0 and math.isfinite(r)) for r in rates):
        raise UsageError(f"--sweep: {ns.sweep!r}: every rate must be a number > 0")
    return sorted(rates)


def quota_capacity_qps(scenario: Any, time_scale: float) -> float | None:
    """Queries per wall second the server quotas admit: each quota's rate over its calls per query."""
    best: float | None = None
    for q in scenario.quotas:
        n = sum(c.tool in q.tools for c in scenario.calls)
        if n:
            cap = q.calls / (q.period_ms / 1000 * time_scale) / n
            best = cap if best is None else min(best, cap)
    return best


def cmd_load(ns: argparse.Namespace) -> int:
    import numpy as np

    from bench.load import LoadError, arrival_times
    from bench.run import run_metadata

    sc = _scenario(ns.scenario)
    rates = _rates(ns)
    if ns.baseline < 0:
        raise UsageError("--baseline must be >= 0")
    sweep = ns.sweep is not None
    _prepare_out(ns.out, ("sweep.json",) if sweep else ("queries.jsonl", "load.json"))
    try:
        schedules = [
            arrival_times(
                ns.arrival,
                r,
                ns.duration,
                np.random.default_rng(np.random.SeedSequence([ns.seed, 0x10AD, k])),
                burstiness=ns.burstiness,
            )
            for k, r in enumerate(rates)
        ]
    except LoadError as exc:
        raise UsageError(str(exc)) from None
    meta = run_metadata(
        {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(ns).items() if k != "handler"}
    )
    points = []
    with (
        api_server(ns.scenario, ns.time_scale, ns.url)
        if ns.transport == "http"
        else contextlib.nullcontext("") as url
    ):
        for rate, schedule in zip(rates, schedules, strict=True):
            out = ns.out / f"rate-{rate:g}" if sweep else ns.out
            out.mkdir(parents=True, exist_ok=True)
            try:
                summary = _one_rate(ns, sc, rate, schedule, out, url, meta)
            except LoadError as exc:
                raise UsageError(str(exc)) from None
            points.append(summary)
    if sweep:
        _write_sweep(ns.out, points, meta)
    return 0


def _model_factory(ns: argparse.Namespace) -> Any:
    """A fresh simulated model per query (a model keeps one conversation's state), or None."""
    if ns.model == "none":
        return None
    from bench.models import SimulatedModel, SimulatedParams
    from scenarios import Constant

    params = SimulatedParams(ttft=Constant(ns.sim_ttft_ms))
    return lambda: SimulatedModel(ns.model_mode, params, time_scale=ns.time_scale)


def _one_rate(
    ns: argparse.Namespace, sc: Any, rate: float, schedule: tuple[float, ...], out: Path, url: str, meta: Any
) -> dict[str, Any]:
    from bench.load import LoadRecord, LoadSession, inprocess_tools, run_load, summarize
    from reports import load_summary_markdown, plot_latency_over_time, write_json_atomic, write_text_atomic
    from scenarios import Stall

    lead = 0.2
    t0 = time.perf_counter() + lead
    stall = None
    if ns.stall_at is not None:
        stall = Stall(t0 + ns.stall_at, t0 + ns.stall_at + ns.stall_for)
    from bench.load import ToolSource

    apis = None
    timer: threading.Timer | None = None
    tools: ToolSource
    if ns.transport == "http":
        from scenarios._http_client import HttpApis, HttpSetupError

        apis = HttpApis(url)
        try:
            apis.check(sc, ns.time_scale)
            apis.reset()
        except HttpSetupError as exc:
            apis.close()
            raise UsageError(str(exc)) from None
        tools = apis.tools_for  # the server shares one quota state per quota across all queries
    else:
        tools = inprocess_tools(sc, ns.time_scale)
    try:
        session = LoadSession(
            sc, ns.executor, ns.seed, ns.time_scale, tools, limiter=ns.limiter, model=_model_factory(ns),
            mode=ns.model_mode,
        )  # fmt: skip
    except ValueError as exc:
        if apis is not None:
            apis.close()
        raise UsageError(str(exc).splitlines()[0]) from None
    base_lat: list[float] = []
    try:
        session(BASELINE_TRIAL - 1)  # warm-up: imports, pools, connections
        for k in range(ns.baseline):
            b0 = time.perf_counter()
            session(BASELINE_TRIAL + k)
            base_lat.append(time.perf_counter() - b0)
        if apis is not None:
            apis.reset()
        if stall is not None:
            if apis is None:
                tools_stalled = inprocess_tools(sc, ns.time_scale, stall)
                session.tools = tools_stalled
            else:
                delay = max(0.0, stall.start - time.perf_counter())
                timer = threading.Timer(delay, apis.stall, args=(ns.stall_for,))
                timer.daemon = True
                timer.start()
        qpath = out / "queries.jsonl"
        with qpath.open("a", encoding="utf-8") as fh:

            def write(rec: LoadRecord) -> None:
                fh.write(rec.to_json() + "\n")
                fh.flush()

            result = run_load(
                schedule,
                session,
                concurrency_cap=ns.concurrency_cap,
                drain_timeout_s=ns.drain_timeout,
                lead_s=max(0.0, t0 - time.perf_counter()),
                on_record=write,
            )
    finally:
        if timer is not None:
            timer.cancel()
        if apis is not None:
            apis.close()
        session.close()
    from bench.load import quantiles

    summary = summarize(
        result.records,
        offered_rate=len(schedule) / ns.duration,
        duration_s=ns.duration,
        stopped_at_s=result.stopped_at_s,
        late_threshold_s=ns.late_ms / 1000,
    )
    summary |= {
        "target_rate_qps": rate,
        "unloaded_latency_s": quantiles(base_lat) if base_lat else None,
        "quota_capacity_qps": quota_capacity_qps(sc, ns.time_scale),
        "scenario": sc.name,
        "executor": ns.executor,
        "transport": ns.transport,
        "limiter": ns.limiter,
        "concurrency_cap": ns.concurrency_cap,
        "arrival": ns.arrival,
        "stall": None if ns.stall_at is None else {"at_s": ns.stall_at, "for_s": ns.stall_for},
    }
    write_json_atomic(out / "load.json", {"schema": 1, "summary": summary, "run": meta})
    title = f"Load: {sc.name}, {ns.executor}, {rate:g} q/s {ns.arrival}, {ns.transport}"
    md = load_summary_markdown(summary, title)
    cap = summary["quota_capacity_qps"]
    if cap is not None:
        md += f"\nThe server quota admits about {cap:.3g} queries/s at time scale {ns.time_scale:g}.\n"
    write_text_atomic(out / "load.md", md)
    rows = [json.loads(line) for line in qpath.read_text(encoding="utf-8").splitlines() if line]
    plot_latency_over_time(rows, out / "latency_over_time.png")
    print(md)
    return summary


def _write_sweep(out: Path, points: list[dict[str, Any]], meta: Any) -> None:
    from reports import plot_sweep, write_json_atomic, write_text_atomic

    base = points[0]["latency_s"]["p99"] or 0.0
    knee = None
    for p in points:
        blown = (p["latency_s"]["p99"] or math.inf) > 2 * base or p["error_rate"] > 0.05
        if knee is None and blown:
            knee = p["offered_rate_qps"]
    lines = [
        "## Sweep: latency vs offered load",
        "",
        "| offered q/s | throughput q/s | p50 ms | p99 ms | max ms | queueing p99 ms | errors | 429 calls | trend ms/s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        lat, qu = p["latency_s"], p["queueing_s"]
        trend = p["latency_trend_s_per_s"]
        lines.append(
            f"| {p['offered_rate_qps']:.3g} | {p['throughput_qps']:.3g} | {(lat['p50'] or 0) * 1000:.1f} "
            f"| {(lat['p99'] or 0) * 1000:.1f} | {(lat['max'] or 0) * 1000:.1f} | {(qu['p99'] or 0) * 1000:.1f} "
            f"| {p['error_rate']:.1%} | {p['rate_429']:.1%} | {'—' if trend is None else f'{trend * 1000:+.1f}'} |"
        )
    lines.append("")
    lines.append(
        f"Saturation (first rate where p99 > 2x the lowest rate's p99, or > 5% errors): "
        f"{'not reached' if knee is None else f'{knee:.3g} q/s'}."
    )
    md = "\n".join(lines) + "\n"
    write_json_atomic(
        out / "sweep.json", {"schema": 1, "points": points, "saturation_qps": knee, "run": meta}
    )
    write_text_atomic(out / "sweep.md", md)
    plot_sweep(points, out / "sweep.png")
    print(md)


def cmd_http_compare(ns: argparse.Namespace) -> int:
    """Every executor runs every trial's plan twice, in process and over HTTP (order alternating), and the
    report gives the median makespans and their paired difference: what the network stack costs."""
    import numpy as np

    from bench.load import AsyncLane
    from bench.run import quotas_of, tool_calls
    from executors import AsyncioExecutor, UnknownExecutor, make_executor
    from reports import write_json_atomic, write_text_atomic
    from scenarios import build_toolbox, make_plan
    from scenarios._http_client import HttpApis, HttpSetupError

    sc = _scenario(ns.scenario)
    labels = tuple(dict.fromkeys(ns.executor or ("sequential", "threaded", "asyncio")))
    try:
        executors = {lb: make_executor(lb, time_scale=ns.time_scale) for lb in labels}
    except UnknownExecutor as exc:
        raise UsageError(str(exc)) from None
    _prepare_out(ns.out, ("http-compare.json",))
    quotas = quotas_of(sc, ns.time_scale)
    rows: list[dict[str, Any]] = []
    lane = AsyncLane()
    try:
        with api_server(ns.scenario, ns.time_scale, ns.url) as url:
            apis = HttpApis(url)
            try:
                apis.check(sc, ns.time_scale)
                for trial in range(-1, ns.trials):  # trial -1 warms up pools and connections
                    plan = make_plan(sc, ns.seed, 10_000_000 + trial if trial < 0 else trial)
                    for label, ex in executors.items():
                        order = ("inprocess", "http") if trial % 2 == 0 else ("http", "inprocess")
                        for transport in order:
                            if transport == "http":
                                apis.reset()
                                tools: Any = apis.tools_for(plan)
                            else:
                                tools = build_toolbox(plan, ns.time_scale)
                            calls = tool_calls(plan)
                            t0 = time.perf_counter()
                            if isinstance(ex, AsyncioExecutor):
                                res = lane.run(ex.arun(calls, tools, quotas=quotas))
                            else:
                                res = ex.run(calls, tools, quotas=quotas)
                            makespan = time.perf_counter() - t0
                            if trial >= 0:
                                rows.append(
                                    {
                                        "trial": trial,
                                        "executor": label,
                                        "transport": transport,
                                        "makespan_s": makespan,
                                        "ok": sum(r.ok for r in res),
                                        "rate_limited": sum(r.status == "rate_limited" for r in res),
                                    }
                                )
            except HttpSetupError as exc:
                raise UsageError(str(exc)) from None
            finally:
                apis.close()
    finally:
        for ex in executors.values():
            ex.close()
        lane.close()
    lines = [
        f"## In-process vs HTTP: {sc.name}, {ns.trials} trials, time scale {ns.time_scale:g}",
        "",
        "Same plans (seed, trial) on both sides; the difference is what the network stack costs.",
        "",
        "| executor | in-process median ms | HTTP median ms | paired diff median ms | calls 429 (in-proc / HTTP) |",
        "|---|---:|---:|---:|---:|",
    ]
    table = []
    for label in labels:
        mine = [r for r in rows if r["executor"] == label]
        ip = {r["trial"]: r for r in mine if r["transport"] == "inprocess"}
        hp = {r["trial"]: r for r in mine if r["transport"] == "http"}
        diffs = [hp[t]["makespan_s"] - ip[t]["makespan_s"] for t in ip]
        m_ip = float(np.median([r["makespan_s"] for r in ip.values()]))
        m_hp = float(np.median([r["makespan_s"] for r in hp.values()]))
        d = float(np.median(diffs))
        q_ip = sum(r["rate_limited"] for r in ip.values())
        q_hp = sum(r["rate_limited"] for r in hp.values())
        table.append(
            {"executor": label, "inprocess_median_s": m_ip, "http_median_s": m_hp, "diff_median_s": d}
        )
        lines.append(
            f"| {label} | {m_ip * 1000:.1f} | {m_hp * 1000:.1f} | {d * 1000:+.2f} | {q_ip} / {q_hp} |"
        )
    md = "\n".join(lines) + "\n"
    write_json_atomic(ns.out / "http-compare.json", {"schema": 1, "summary": table, "rows": rows})
    write_text_atomic(ns.out / "http-compare.md", md)
    print(md)
    return 0
