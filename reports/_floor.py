"""The floor split: what the machine costs and what the executor costs, per scenario.

Each trial also runs raw references on the same plan — ``raw-asyncio`` (a bare ``asyncio.gather``) and
``raw-threads`` (a bare thread pool). Against the zero-overhead ideal they give, per trial:

- machine cost = raw − ideal: timer and wake-up latency that no executor can avoid;
- implementation cost = (executor − its ideal) − (raw − its ideal): what the executor adds over the bare
  primitive. It equals executor − raw when both have the same ideal (no quota, no batching, unbounded
  workers); subtracting each one's own ideal keeps paced or batched schedules from counting their planned
  waits as cost.

Both are paired per trial, reported as medians with order-statistic 95% intervals. ``asyncio*`` executors
and the framework executors whose calls are tasks on an event loop pair with ``raw-asyncio``; every other
executor (``langgraph``'s thread pool, ``genai-afc``) with ``raw-threads``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports._intervals import CI, median_ci
from reports._replay import RECORDED
from reports._schema import RAW_ASYNCIO, RAW_THREADS

#: executors whose calls are tasks on an event loop: ours, and the framework executors of that kind
#: (bench.run.frameworks; reports imports nothing of bench, so the labels are listed here)
_ON_A_LOOP = ("asyncio", "langgraph-async", "pydantic-ai", "openai-agents", "adk", "llamaindex")


def raw_partner(executor: str) -> str:
    """The raw reference an executor is measured against: the primitive of its kind."""
    return RAW_ASYNCIO if executor.startswith(_ON_A_LOOP) else RAW_THREADS


@dataclass(frozen=True, slots=True)
class Estimate:
    """A median over trials with its CI (document ms)."""

    median: float
    ci: CI

    @classmethod
    def of(cls, x: pd.Series) -> Estimate:
        a = x.to_numpy(dtype=np.float64)
        return cls(float(np.median(a)) if a.size else math.nan, median_ci(a))


@dataclass(frozen=True, slots=True)
class FloorRow:
    """One executor of one scenario against its raw reference."""

    scenario: str
    executor: str
    raw: str
    #: trials in which both ran
    n: int
    #: the raw reference's zero-overhead makespan, and the executor's own (larger for a sequential or
    #: batched schedule)
    ideal: Estimate
    executor_ideal: Estimate
    raw_makespan: Estimate
    makespan: Estimate
    machine_cost: Estimate
    implementation_cost: Estimate


def floor_split(executors: pd.DataFrame, raw: pd.DataFrame) -> list[FloorRow]:
    """A row per (scenario, executor) whose raw reference ran in the same trials, over the trials in which
    every call of the executor ended ok; empty without raw rows."""
    out: list[FloorRow] = []
    if raw.empty or executors.empty:
        return out
    cols = ["scenario", "trial", "makespan_ms", "ideal_ms"]
    refs = dict(iter(raw.groupby(["scenario", "executor"], sort=False)[cols]))
    for (sc, ex), g in executors.groupby(["scenario", "executor"], sort=False):
        if ex == RECORDED:  # production's own time in a trace replay: nothing of it ran on this machine
            continue
        partner = raw_partner(str(ex))
        r = refs.get((sc, partner))
        if r is None or r.empty:
            continue
        # a failed call ends early, so its turn looks cheaper than the primitive's (an implementation cost
        # of -309 ms where most calls failed): only trials whose every call ended ok are split
        clean = g[g["n_errors"] == 0] if "n_errors" in g else g
        m = clean[cols].merge(r, on=["scenario", "trial"], suffixes=("", "_raw"))
        if m.empty:
            continue
        machine = m["makespan_ms_raw"] - m["ideal_ms_raw"]
        impl = (m["makespan_ms"] - m["ideal_ms"]) - machine
        out.append(
            FloorRow(
                scenario=str(sc),
                executor=str(ex),
                raw=partner,
                n=len(m),
                ideal=Estimate.of(m["ideal_ms_raw"]),
                executor_ideal=Estimate.of(m["ideal_ms"]),
                raw_makespan=Estimate.of(m["makespan_ms_raw"]),
                makespan=Estimate.of(m["makespan_ms"]),
                machine_cost=Estimate.of(machine),
                implementation_cost=Estimate.of(impl),
            )
        )
    return out


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}" if abs(x) < 10 else f"{x:,.1f}"


def _est(e: Estimate) -> str:
    if not e.ci.defined:
        need = f", needs {e.ci.needed} trials" if e.ci.needed else ""
        return f"{_num(e.median)} [no CI{need}]"
    return f"{_num(e.median)} [{_num(e.ci.low)}–{_num(e.ci.high)}]"


def floor_markdown(rows: Sequence[FloorRow], scenario: str) -> list[str]:
    """The floor-split table of one scenario (markdown lines), or one line saying there is none."""
    mine = [r for r in rows if r.scenario == scenario]
    if not mine:
        return [
            "Floor split: n/a — this run has no raw reference records (`raw-asyncio`, `raw-threads`), so "
            "machine cost and executor cost cannot be told apart (they run beside plain measurement turns "
            "only: not in model sessions, with real tools, or under guards such as a deadline).",
            "",
        ]
    out = [
        "Floor split (document ms, medians over trials [95% CI], paired per trial): machine cost = raw − "
        "ideal; implementation cost = executor − raw, each net of its own ideal. Only trials in which every "
        "call ended ok are split (a failed call ends early and would look like a saving).",
        "",
        "| Executor | vs | Pairs | Raw ideal (zero overhead) | Raw median | Machine cost (raw − ideal) | "
        "Executor ideal | Executor median | Implementation cost (executor − raw) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in mine:
        out.append(
            f"| `{r.executor}` | `{r.raw}` | {r.n} | {_est(r.ideal)} | {_est(r.raw_makespan)} | "
            f"{_est(r.machine_cost)} | {_est(r.executor_ideal)} | {_est(r.makespan)} | "
            f"{_est(r.implementation_cost)} |"
        )
    return [*out, ""]
