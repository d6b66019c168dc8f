"""The trace-replay section of the report: for each executor, what it would have saved over what
production did (the pseudo-executor ``recorded``), paired turn by turn: bootstrap CIs for the median cut
and the speedup, a distribution-free one for the p95 cut (a bootstrap never resamples past a sample's
maximum, so its p95 intervals under-cover at small n; below 72 turns there is none).

A pure function of the trials frame: a turn is one trial, and every executor replayed the same turns."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from reports._intervals import CI, CONFIDENCE, DEFAULT_RESAMPLES, make_rng, quantile_difference_ci

RECORDED = "recorded"
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Saving:
    """One executor against ``recorded`` on the same turns; each figure is (point, CI low, CI high)."""

    executor: str
    turns: int
    median_cut_ms: tuple[float, float, float]
    median_cut_pct: tuple[float, float, float]
    #: recorded p95 − replayed p95 and its distribution-free CI (none below 72 turns: ``needed`` says so)
    p95_cut_ms: tuple[float, CI]
    #: mean recorded tool time / mean replayed tool time (total tool time saved, as a factor)
    speedup: tuple[float, float, float]


def _figures(rec: FloatArray, ex: FloatArray) -> FloatArray:
    """Rows: median cut, median cut %, p95 cut, speedup; columns: resamples (axis -1 is the turn)."""
    mr, me = np.median(rec, axis=-1), np.median(ex, axis=-1)
    cut = mr - me
    p95 = np.percentile(rec, 95, axis=-1) - np.percentile(ex, 95, axis=-1)
    return np.stack([cut, 100 * cut / mr, p95, rec.mean(axis=-1) / ex.mean(axis=-1)])


def paired_savings(
    trials: pd.DataFrame, scenario: str, seed: int = 0, n_resamples: int = DEFAULT_RESAMPLES
) -> list[Saving]:
    """Every executor of ``scenario`` against ``recorded``, on the turns both ran (percentile bootstrap
    over turns: a resample draws turns, and both sides of a turn go together)."""
    g = trials[trials["scenario"] == scenario]
    wide = g.pivot_table(index="trial", columns="executor", values="makespan_ms", aggfunc="first")
    if RECORDED not in wide:
        return []
    out = []
    alpha = (1 - CONFIDENCE) / 2
    for ex in wide.columns:
        if ex == RECORDED or str(ex).startswith("raw-"):
            continue
        pair = wide[[RECORDED, ex]].dropna()
        rec, got = pair[RECORDED].to_numpy(float), pair[ex].to_numpy(float)
        if rec.size < 2:
            continue
        point = _figures(rec, got)
        idx = make_rng(seed, "replay", scenario, str(ex)).integers(0, rec.size, (n_resamples, rec.size))
        boot = _figures(rec[idx], got[idx])
        lo, hi = np.nanquantile(boot, alpha, axis=1), np.nanquantile(boot, 1 - alpha, axis=1)
        fig = [(float(point[i]), float(lo[i]), float(hi[i])) for i in range(4)]
        p95 = (float(point[2]), quantile_difference_ci(rec, got, 0.95))
        out.append(Saving(str(ex), int(rec.size), fig[0], fig[1], p95, fig[3]))
    return out


def _f(x: float, unit: str) -> str:
    """ms and % with one decimal, factors with two; the unit is printed after the point only."""
    if not math.isfinite(x):
        return "–"
    return f"{x:.2f}" if unit == "×" else f"{x:,.1f}"


def _ci(t: tuple[float, float, float], unit: str = " ms") -> str:
    return f"{_f(t[0], unit)}{unit} [{_f(t[1], unit)}–{_f(t[2], unit)}]"


def _ci_of(point: float, ci: CI) -> str:
    if not ci.defined:
        return f"{_f(point, ' ms')} ms [no CI: needs {ci.needed} turns]"
    return _ci((point, ci.low, ci.high))


def replay_section(
    trials: pd.DataFrame,
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
    notes: Mapping[str, str] | None = None,
) -> list[str]:
    """Markdown lines of the section; empty when no scenario has ``recorded`` trials. ``notes`` holds each
    scenario's description: a replay's says how its trace was read (lines after the first, " | " apart)."""
    if trials.empty or RECORDED not in set(trials["executor"]):
        return []
    md = ["## Trace replay: what each executor would have saved", ""]
    for sc in dict.fromkeys(trials.loc[trials["executor"] == RECORDED, "scenario"]):
        rec = trials[(trials["scenario"] == sc) & (trials["executor"] == RECORDED)]
        ratio = rec["planned_sum_ms"].mean() / rec["planned_max_ms"].mean()
        md += [
            f"`{sc}`: {len(rec)} recorded turns. Production's tool time per turn (first tool start to last "
            f"tool end): median {_f(float(rec['makespan_ms'].median()), ' ms')} ms, p95 "
            f"{_f(float(rec['makespan_ms'].quantile(0.95)), ' ms')} ms. The trace's E[sum]/E[max] = {ratio:.2f}× "
            "(the speedup of running each turn's calls all at once, with no overhead, over one after another).",
            "",
        ]
        read = str((notes or {}).get(str(sc), "")).split(" | ")[1:]
        md += [*(f"- How the trace was read: {line}" for line in read), *([""] if read else [])]
        for s in paired_savings(trials, str(sc), seed, n_resamples):
            md.append(
                f"- `{s.executor}` would have cut this agent's tool time by {_ci(s.median_cut_ms)} "
                f"({_ci(s.median_cut_pct, '%')}) at the median and {_ci_of(*s.p95_cut_ms)} at p95; "
                f"speedup over recorded (mean tool time per turn) {_ci(s.speedup, '×')}; {s.turns} paired turns."
            )
        md += [
            "",
            f"Paired turn by turn: each figure is recorded minus replayed, with a {CONFIDENCE:.0%} CI in "
            "brackets (percentile bootstrap over turns; for the p95 cut, distribution-free order statistics "
            "of each side at 97.5%, which need 72 turns); a negative cut means the executor was slower than "
            "production.",
            "",
        ]
    return md
