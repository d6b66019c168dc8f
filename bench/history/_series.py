"""The store as series: per cell (machine, scenario, executor), one point per commit in commit order, each
point the metric over the commit's pooled trials with its order-statistic CI (reports' intervals)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bench.history._git import Git
from bench.history._store import HistoryError, Store
from reports import is_raw, median_ci, quantile_ci

METRICS = ("median", "p95", "implementation-cost")
FloatArray = npt.NDArray[np.float64]
#: the machine label of a series pooled over machines by ``--normalize floor``
ALL_MACHINES = "all machines (floor-normalized)"


@dataclass(frozen=True, slots=True)
class Point:
    """One commit of one cell."""

    commit: str
    when: str
    machines: tuple[str, ...]
    #: the metric per trial (document ms), pooled over the commit's runs
    trials: tuple[float, ...]
    value: float
    low: float
    high: float
    #: median makespan (document ms): what a tolerance on implementation cost is a fraction of
    makespan: float
    injected: float


@dataclass(frozen=True, slots=True)
class Series:
    scenario: str
    executor: str
    machine: str
    metric: str
    points: tuple[Point, ...]

    @property
    def key(self) -> str:
        return f"{self.scenario} / {self.executor} / {self.machine}"

    @property
    def relative(self) -> bool:
        """Steps are ratios for makespans; implementation cost is near 0, so its steps are differences."""
        return self.metric != "implementation-cost"

    @property
    def is_raw(self) -> bool:
        return is_raw(self.executor)


def statistic(metric: str, x: FloatArray) -> FloatArray:
    """The metric of trial values along the last axis."""
    return np.asarray(
        np.percentile(x, 95, axis=-1) if metric == "p95" else np.median(x, axis=-1), dtype=np.float64
    )


def _ci(metric: str, x: FloatArray) -> tuple[float, float]:
    ci = quantile_ci(x, 0.95) if metric == "p95" else median_ci(x)
    return (ci.low, ci.high) if ci.defined else (math.nan, math.nan)


def commit_order(first_seen: dict[str, str], git: Git) -> list[str]:
    """Commits in git's order when git knows every one of them, else by their earliest ``when``."""
    gens = git.generations(sorted(first_seen))
    if gens is not None:
        return sorted(first_seen, key=lambda c: (gens[c], first_seen[c], c))
    return sorted(first_seen, key=lambda c: (first_seen[c], c))


_QUERY = """
SELECT r.commit_id, r.when_utc, r.machine, r.inject_slowdown, t.scenario, t.executor, t.makespan_ms,
       t.impl_cost_ms, c.scenario_hash, t.time_scale
FROM trials t JOIN runs r ON r.run_key = t.run_key
JOIN cells c ON c.run_key = t.run_key AND c.scenario = t.scenario AND c.executor = t.executor
"""


def load_series(
    store: Store,
    git: Git,
    *,
    metric: str = "median",
    scenarios: Sequence[str] = (),
    executors: Sequence[str] = (),
    normalize: bool = False,
) -> list[Series]:
    """Every cell's series. Without ``normalize`` a cell is one machine's; with it (implementation cost
    only) one cell pools every machine. Trials of different scenario definitions or time scales are
    different cells: their makespans measure different things."""
    if metric not in METRICS:
        raise HistoryError(f"--metric: {metric!r} is not one of {', '.join(METRICS)}")
    if normalize and metric != "implementation-cost":
        metric = "implementation-cost"
    rows = store.conn.execute(_QUERY).fetchall()
    if not rows:
        raise HistoryError(
            f"{store.path}: the history store holds no runs (add some with 'pfcbench history add')"
        )
    first_seen: dict[str, str] = {}
    cells: dict[
        tuple[str, str, str, str, float], dict[str, list[tuple[float, float | None, str, str, float]]]
    ] = {}
    for commit, when, machine, inj, sc, ex, ms, impl, shash, ts in rows:
        if (scenarios and sc not in scenarios) or (executors and ex not in executors):
            continue
        first_seen[commit] = min(when, first_seen.get(commit, when))
        key = (sc, ex, ALL_MACHINES if normalize else machine, shash, ts)
        cells.setdefault(key, {}).setdefault(commit, []).append((ms, impl, machine, when, inj))
    if not cells:
        raise HistoryError("--scenario/--executor: no stored cell matches (see 'pfcbench history show')")
    order = {c: i for i, c in enumerate(commit_order(first_seen, git))}
    out = []
    for (sc, ex, machine, _h, _ts), by_commit in sorted(cells.items()):
        found = [_point(metric, c, by_commit[c]) for c in sorted(by_commit, key=order.__getitem__)]
        pts = [p for p in found if p is not None]
        if pts:
            out.append(Series(sc, ex, machine, metric, tuple(pts)))
    return out


def _point(metric: str, commit: str, rows: list[tuple[float, float | None, str, str, float]]) -> Point | None:
    ms = np.array([r[0] for r in rows], dtype=np.float64)
    if metric == "implementation-cost":
        vals = np.array([r[1] for r in rows if r[1] is not None], dtype=np.float64)
        if vals.size == 0:
            return None  # a raw reference, or an executor without its raw partner: no floor split
    else:
        vals = ms
    low, high = _ci(metric, vals)
    return Point(
        commit=commit,
        when=min(r[3] for r in rows),
        machines=tuple(sorted({r[2] for r in rows})),
        trials=tuple(float(v) for v in vals),
        value=float(statistic(metric, vals)),
        low=low,
        high=high,
        makespan=float(np.median(ms)),
        injected=max(r[4] for r in rows),
    )
