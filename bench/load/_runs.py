"""The load commands' work, given a typed config: open-loop runs at one rate or a sweep of rates
(queries.jsonl, load.json, load.md and a figure per rate; sweep.json/.md/.png), and the in-process vs HTTP
comparison (http-compare.json/.md). Markdown pages come from ``reports``, their one home."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.load._config import HttpCompareConfig, LoadConfig
from bench.load._open_loop import LoadError, LoadRecord, arrival_times, quantiles, run_load, summarize
from bench.load._session import AsyncLane, LoadSession, ModelFactory, ToolSource, inprocess_tools
from bench.models import SimulatedModel, SimulatedParams
from bench.run import RunConfig, RunError, assemble, quotas_of, run_metadata, tool_calls
from executors import AsyncioExecutor, Executor
from reports import (
    http_compare_markdown,
    load_summary_markdown,
    plot_latency_over_time,
    plot_sweep,
    saturation_qps,
    sweep_markdown,
    write_json_atomic,
    write_text_atomic,
)
from scenarios import Constant, Scenario, Stall, TrialPlan, build_toolbox, make_plan

Emit = Callable[[str], None]

#: unloaded-baseline queries draw trial indices no load run reaches
BASELINE_TRIAL = 1_000_000
#: the load starts this long after setup, so the first query is not late because of it
_LEAD_S = 0.2


def prepare_out(out: Path, names: tuple[str, ...]) -> None:
    """Create ``out``; refuse one that already holds any of ``names`` (results are never overwritten)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LoadError(f"`out` {out}: cannot write there ({exc.strerror})") from None
    for n in names:
        if (out / n).exists():
            raise LoadError(f"`out` {out}: already holds {n}; choose another `out`")


def quota_capacity_qps(scenario: Scenario, time_scale: float) -> float | None:
    """Queries per wall second the server quotas admit: each quota's rate over its calls per query."""
    best: float | None = None
    for q in scenario.quotas:
        n = sum(c.tool in q.tools for c in scenario.calls)
        if n:
            cap = q.calls / (q.period_ms / 1000 * time_scale) / n
            best = cap if best is None else min(best, cap)
    return best


@contextlib.contextmanager
def api_server(ref: str, time_scale: float, url: str | None) -> Iterator[str]:
    """A serve-apis URL: the given one, or a child process on a free loopback port (its own GIL, so the
    server's work does not steal the client's interpreter), stopped on exit."""
    if url is not None:
        yield url
        return
    argv = ["serve-apis", "--scenario", ref, "--port", "0", "--time-scale", repr(time_scale)]
    proc = subprocess.Popen([sys.executable, "-m", "bench", *argv], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "serving <scenario> on http://127.0.0.1:PORT"
        if "http://" not in line:
            raise LoadError(f"serve-apis did not start (exit {proc.poll()})")
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


def load_test(config: LoadConfig, emit: Emit = print) -> list[dict[str, Any]]:
    """Run every rate of ``config`` (one open-loop run each) and write their files; returns the summaries.
    ``emit`` gets each rate's markdown, then the sweep's."""
    prepare_out(config.out, ("sweep.json",) if config.sweep else ("queries.jsonl", "load.json"))
    schedules = [
        arrival_times(
            config.arrival,
            r,
            config.duration,
            np.random.default_rng(np.random.SeedSequence([config.seed, 0x10AD, k])),
            burstiness=config.burstiness,
        )
        for k, r in enumerate(config.rates)
    ]
    meta = run_metadata(dict(config.recorded))
    points = []
    http = config.transport == "http"
    with api_server(config.scenario_ref, config.time_scale, config.url) if http else _no_server() as url:
        for rate, schedule in zip(config.rates, schedules, strict=True):
            out = config.out / f"rate-{rate:g}" if config.sweep else config.out
            out.mkdir(parents=True, exist_ok=True)
            points.append(_one_rate(config, rate, schedule, out, _Run(url, meta, emit)))
    if config.sweep:
        _write_sweep(config.out, points, meta, emit)
    return points


@contextlib.contextmanager
def _no_server() -> Iterator[str]:
    yield ""


def _model_factory(config: LoadConfig) -> ModelFactory | None:
    """A fresh simulated model per query (a model keeps one conversation's state), or None."""
    if config.model == "none":
        return None
    params = SimulatedParams(ttft=Constant(config.sim_ttft_ms))
    mode = config.model_mode
    return lambda: SimulatedModel(mode, params, time_scale=config.time_scale)  # type: ignore[arg-type]  # the CLI's choices


class _Apis:
    """Where a run's queries find their tools: simulated in process (one quota state per quota for the run)
    or a serve-apis over HTTP (the server shares its quota state across all queries)."""

    def __init__(self, config: LoadConfig, url: str) -> None:
        self.config = config
        self.http: Any = None
        if config.transport != "http":
            self.tools: ToolSource = inprocess_tools(config.scenario, config.time_scale)
            return
        from bench.load._http_client import HttpApis, HttpSetupError  # noqa: PLC0415  # httpx: --transport http only

        self.http = HttpApis(url)
        try:
            self.http.check(config.scenario, config.time_scale)
            self.http.reset()
        except HttpSetupError as exc:
            self.http.close()
            raise LoadError(str(exc)) from None
        self.tools = self.http.tools_for

    def stall(self, session: LoadSession, stall: Stall) -> threading.Timer | None:
        """Freeze the APIs over ``stall``: in process by new tools, over HTTP by a timed request."""
        if self.http is None:
            session.tools = inprocess_tools(self.config.scenario, self.config.time_scale, stall)
            return None
        delay = max(0.0, stall.start - time.perf_counter())
        timer = threading.Timer(delay, self.http.stall, args=(self.config.stall_for,))
        timer.daemon = True
        timer.start()
        return timer

    def close(self) -> None:
        if self.http is not None:
            self.http.close()


def _session(config: LoadConfig, apis: _Apis) -> LoadSession:
    try:
        return LoadSession(
            config.scenario, config.executor, config.seed, config.time_scale, apis.tools,
            limiter=config.limiter, model=_model_factory(config), mode=config.model_mode,
        )  # fmt: skip
    except ValueError as exc:
        apis.close()
        raise LoadError(str(exc).splitlines()[0]) from None


def _unloaded(session: LoadSession, n: int) -> list[float]:
    """One warm-up query (imports, pools, connections), then ``n`` queries one at a time, timed."""
    session(BASELINE_TRIAL - 1)
    out = []
    for k in range(n):
        b0 = time.perf_counter()
        session(BASELINE_TRIAL + k)
        out.append(time.perf_counter() - b0)
    return out


@dataclass(frozen=True, slots=True)
class _Run:
    """What every rate of one load run shares: the APIs' URL (http), run.json's block, the page sink."""

    url: str
    meta: dict[str, Any]
    emit: Emit


def _one_rate(
    config: LoadConfig, rate: float, schedule: tuple[float, ...], out: Path, run: _Run
) -> dict[str, Any]:
    apis = _Apis(config, run.url)
    session = _session(config, apis)
    timer = None
    qpath = out / "queries.jsonl"
    try:
        base_lat = _unloaded(session, config.baseline)
        if apis.http is not None:
            apis.http.reset()
        # the measured phase starts here, after the warm-up and the unloaded baseline: --stall-at counts
        # from it (timed from before the baseline, the stall came early or not at all)
        t0 = time.perf_counter() + _LEAD_S
        if config.stall_at is not None:
            stall = Stall(t0 + config.stall_at, t0 + config.stall_at + config.stall_for)
            timer = apis.stall(session, stall)
        with qpath.open("a", encoding="utf-8") as fh:

            def write(rec: LoadRecord) -> None:
                fh.write(rec.to_json() + "\n")
                fh.flush()

            result = run_load(
                schedule,
                session,
                concurrency_cap=config.concurrency_cap,
                drain_timeout_s=config.drain_timeout,
                lead_s=max(0.0, t0 - time.perf_counter()),
                on_record=write,
            )
    finally:
        if timer is not None:
            timer.cancel()
        apis.close()
        session.close()
    summary = summarize(
        result.records,
        offered_rate=len(schedule) / config.duration,
        duration_s=config.duration,
        stopped_at_s=result.stopped_at_s,
        late_threshold_s=config.late_ms / 1000,
    ) | _run_facts(config, rate, base_lat)
    _write_rate(config, summary, rate, out, run)
    return summary


def _run_facts(config: LoadConfig, rate: float, base_lat: list[float]) -> dict[str, Any]:
    return {
        "target_rate_qps": rate,
        "unloaded_latency_s": quantiles(base_lat) if base_lat else None,
        "quota_capacity_qps": quota_capacity_qps(config.scenario, config.time_scale),
        "scenario": config.scenario.name,
        "executor": config.executor,
        "transport": config.transport,
        "limiter": config.limiter,
        "concurrency_cap": config.concurrency_cap,
        "arrival": config.arrival,
        "stall": None if config.stall_at is None else {"at_s": config.stall_at, "for_s": config.stall_for},
    }


def _write_rate(config: LoadConfig, summary: dict[str, Any], rate: float, out: Path, run: _Run) -> None:
    write_json_atomic(out / "load.json", {"schema": 1, "summary": summary, "run": run.meta})
    title = (
        f"Load: {config.scenario.name}, {config.executor}, {rate:g} q/s {config.arrival}, {config.transport}"
    )
    md = load_summary_markdown(summary, title)
    if (cap := summary["quota_capacity_qps"]) is not None:
        md += f"\nThe server quota admits about {cap:.3g} queries/s at time scale {config.time_scale:g}.\n"
    write_text_atomic(out / "load.md", md)
    rows = [
        json.loads(line) for line in (out / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]
    plot_latency_over_time(rows, out / "latency_over_time.png")
    run.emit(md)


def _write_sweep(out: Path, points: list[dict[str, Any]], meta: dict[str, Any], emit: Emit) -> None:
    knee = saturation_qps(points)
    md = sweep_markdown(points, knee)
    write_json_atomic(
        out / "sweep.json", {"schema": 1, "points": points, "saturation_qps": knee, "run": meta}
    )
    write_text_atomic(out / "sweep.md", md)
    plot_sweep(points, out / "sweep.png")
    emit(md)


def http_compare(config: HttpCompareConfig, emit: Emit = print) -> list[dict[str, Any]]:
    """Every executor runs every trial's plan twice, in process and over HTTP (order alternating), and the
    page gives the median makespans and their paired difference: what the network stack costs."""
    run = RunConfig((config.scenario,), config.executors, seed=config.seed, time_scale=config.time_scale)
    try:
        parts = assemble(run)
    except RunError as exc:
        raise LoadError(str(exc)) from None
    lane = AsyncLane()
    try:
        prepare_out(config.out, ("http-compare.json",))
        with api_server(config.scenario_ref, config.time_scale, config.url) as url:
            rows = _paired_rows(config, parts.executors, lane, url)
    finally:
        parts.close()
        lane.close()
    title = f"In-process vs HTTP: {config.scenario.name}, {config.trials} trials, time scale {config.time_scale:g}"
    md, table = http_compare_markdown(rows, config.executors, title)
    write_json_atomic(config.out / "http-compare.json", {"schema": 1, "summary": table, "rows": rows})
    write_text_atomic(config.out / "http-compare.md", md)
    emit(md)
    return rows


def _paired_rows(
    config: HttpCompareConfig, executors: dict[str, Executor], lane: AsyncLane, url: str
) -> list[dict[str, Any]]:
    from bench.load._http_client import HttpApis, HttpSetupError  # noqa: PLC0415  # httpx: the load extra

    apis = HttpApis(url)
    rows: list[dict[str, Any]] = []
    try:
        apis.check(config.scenario, config.time_scale)
        for trial in range(-1, config.trials):  # trial -1 warms up pools and connections
            plan = make_plan(config.scenario, config.seed, 10_000_000 + trial if trial < 0 else trial)
            for label, ex in executors.items():
                order = ("inprocess", "http") if trial % 2 == 0 else ("http", "inprocess")
                for transport in order:
                    row = _timed(config, plan, ex, lane, apis if transport == "http" else None)
                    if trial >= 0:
                        rows.append({"trial": trial, "executor": label, "transport": transport, **row})
    except HttpSetupError as exc:
        raise LoadError(str(exc)) from None
    finally:
        apis.close()
    return rows


def _timed(
    config: HttpCompareConfig, plan: TrialPlan, ex: Executor, lane: AsyncLane, apis: Any
) -> dict[str, Any]:
    """One executor run of ``plan``, over HTTP when ``apis`` is given, else in process."""
    if apis is not None:
        apis.reset()
        tools: Any = apis.tools_for(plan)
    else:
        tools = build_toolbox(plan, config.time_scale)
    calls = tool_calls(plan)
    quotas = quotas_of(config.scenario, config.time_scale)
    t0 = time.perf_counter()
    if isinstance(ex, AsyncioExecutor):
        res = lane.run(ex.arun(calls, tools, quotas=quotas))
    else:
        res = ex.run(calls, tools, quotas=quotas)
    makespan = time.perf_counter() - t0
    return {
        "makespan_s": makespan,
        "ok": sum(r.ok for r in res),
        "rate_limited": sum(r.status == "rate_limited" for r in res),
    }
