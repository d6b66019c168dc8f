"""The answer a run prints the moment it ends (hyperfine, k6): per scenario × executor the median makespan
with its 95% CI and the paired speedup over ``sequential``; ``pfcbench report`` prints the same lines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from reports import _fmt as f
from reports._frames import load_run
from reports._stats import BASELINE, ExecutorStats, summarize


def _speed(s: ExecutorStats, baseline: str) -> str:
    if s.executor == baseline or not math.isfinite(s.speedup_median):
        return ""
    word = "faster" if s.speedup_median >= 1 else "slower"
    factor = s.speedup_median if s.speedup_median >= 1 else 1 / s.speedup_median
    ci = s.speedup_ci
    if ci.defined and s.speedup_median < 1:
        ci = type(ci)(1 / ci.high, 1 / ci.low, ci.method)
    return f"  {factor:.2f}× {f.ci(ci, 'x')} {word} than {baseline}"


def headline_lines(
    stats: Sequence[ExecutorStats], *, time_scales: Sequence[float] = (), baseline: str = BASELINE
) -> list[str]:
    """Lines for a terminal: one block per scenario, one line per executor."""
    unit = "ms" if set(time_scales) <= {1.0} else "document ms"
    out: list[str] = []
    for sc in dict.fromkeys(s.scenario for s in stats):
        rows = sorted((s for s in stats if s.scenario == sc), key=lambda s: s.executor != baseline)
        width = max(len(s.executor) for s in rows)
        out.append(f"{sc}: makespan per executor (median [95% CI]; speedup: paired per trial)")
        for s in rows:
            out.append(
                f"  {s.executor:<{width}}  median {f.ms(s.median)} {unit} {f.ci(s.median_ci)}  n={s.n}{_speed(s, baseline)}"
            )
    return out


def run_headline(run_dir: str | Path, baseline: str = BASELINE) -> list[str]:
    """The headline of a run directory (its executors only: raw references are not answers)."""
    data = load_run(run_dir)
    ts = sorted({float(t) for t in data.trials["time_scale"]})
    return headline_lines(summarize(data.trials, baseline=baseline), time_scales=ts, baseline=baseline)
