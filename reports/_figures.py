"""PNG figures of a run, drawn with matplotlib's object API on an Agg canvas.

``matplotlib.figure.Figure`` + ``FigureCanvasAgg`` renders without pyplot, so this module never switches
the global backend, never keeps figures alive in pyplot's registry, and is safe to call from a program
that has its own GUI backend. Every function returns the written path, or None when its data is absent.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from matplotlib.transforms import blended_transform_factory

from reports._frames import split_label
from reports._intervals import median_ci
from reports._schema import write_bytes_atomic
from reports._stats import ExecutorStats
from reports._theory import Quota, ScenarioTheory

DPI = 110
FAILED_COLOR = "#d62728"
# tab10 without red (failed calls) and grey (the sequential baseline), then lighter tab20 shades.
_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#c5b0d5",
)
_SEQ_COLOR = "#4d4d4d"


def colors(executors: Sequence[str], baseline: str = "sequential") -> dict[str, str]:
    """One colour per executor, the same in every figure; red is kept for failed calls."""
    out: dict[str, str] = {}
    i = 0
    for e in executors:
        if e == baseline:
            out[e] = _SEQ_COLOR
        else:
            out[e] = _PALETTE[i % len(_PALETTE)]
            i += 1
    return out


def doc_order(theory: Mapping[str, ScenarioTheory]) -> list[str]:
    """Scenarios with a document row, in the document's order: by call count, the quota row last."""
    docs = [t for t in theory.values() if t.doc is not None]
    docs.sort(
        key=lambda t: (t.n_calls if t.n_calls is not None else 1 << 30, t.quota is not None, t.scenario)
    )
    return [t.scenario for t in docs]


def slug(name: str) -> str:
    """A file-name-safe form of a scenario name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _new(width: float, height: float, *, margins: tuple[float, float, float, float] | None = None) -> Figure:
    """A figure on an Agg canvas. ``margins`` (left, right, top, bottom, in inches) fix the layout instead of
    solving it: constrained layout measures every tick label once more, which dominates a tall figure."""
    if margins is None:
        fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    else:
        left, right, top, bottom = margins
        fig = Figure(figsize=(width, height), dpi=DPI)
        fig.subplots_adjust(
            left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height
        )
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    # Encoded in memory, then written atomically: a reader of the run directory never sees half a PNG, and
    # a failed write leaves no temp file. zlib level 1: a third of the encoding time of the default 6.
    buf = io.BytesIO()
    fig.savefig(buf, dpi=DPI, format="png", pil_kwargs={"compress_level": 1})
    write_bytes_atomic(path, buf.getvalue())
    return path


def _legend(ax: Axes, **kw: Any) -> None:
    """A legend only when something is labelled (matplotlib warns otherwise)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, **kw)


# --- 1. the document's table -------------------------------------------------------------------------


def doc_table(
    stats: Sequence[ExecutorStats], theory: Mapping[str, ScenarioTheory], executors: Sequence[str], path: Path
) -> Path | None:
    """Grouped bars per document scenario: median makespan with its 95% CI, document claims as markers."""
    scenarios = [sc for sc in doc_order(theory) if any(s.scenario == sc for s in stats)]
    if not scenarios:
        return None
    by = {(s.scenario, s.executor): s for s in stats}
    present = [e for e in executors if any((sc, e) in by for sc in scenarios)]
    fig = _new(max(7.0, 1.9 * len(scenarios) + 3), 5.0, margins=(0.8, 1.9, 0.4, 0.7))
    ax = fig.add_subplot()
    _doc_bars(ax, scenarios, present, by, colors(executors))
    for i, sc in enumerate(scenarios):
        _doc_claims(ax, i, theory[sc])
    ax.set_xticks(range(len(scenarios)))
    ax.set_xticklabels(
        [f"{sc}\n({doc.row})" for sc in scenarios if (doc := theory[sc].doc) is not None],
        fontsize=8,
    )
    ax.set_ylabel("makespan (document ms)")
    ax.set_title("The document's table, measured: median makespan with 95% CI")
    ax.grid(axis="y", alpha=0.3)
    _legend(ax, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


def _doc_bars(
    ax: Axes,
    scenarios: Sequence[str],
    present: Sequence[str],
    by: Mapping[tuple[str, str], ExecutorStats],
    col: Mapping[str, str],
) -> None:
    """One bar per (scenario, executor): the median makespan, its 95% CI as the error bar."""
    width = 0.8 / max(len(present), 1)
    for j, e in enumerate(present):
        xs, ys, lo, hi = [], [], [], []
        for i, sc in enumerate(scenarios):
            s = by.get((sc, e))
            if s is None:
                continue
            xs.append(i - 0.4 + width * (j + 0.5))
            ys.append(s.median)
            ci = s.median_ci
            lo.append(s.median - ci.low if math.isfinite(ci.low) else 0.0)
            hi.append(ci.high - s.median if math.isfinite(ci.high) else 0.0)
        ax.bar(
            xs,
            ys,
            width=width * 0.95,
            color=col[e],
            label=e,
            yerr=np.array([lo, hi]),
            capsize=3,
            error_kw={"elinewidth": 1, "ecolor": "black"},
        )


def _doc_claims(ax: Axes, i: int, th: ScenarioTheory) -> None:
    """The document's sequential and parallel figures as lines over group ``i``, theory's parallel figure
    as a marker (labelled once, on the first group)."""
    doc = th.doc
    assert doc is not None
    first = i == 0
    claims: tuple[tuple[float, Literal["--", ":"], float, str], ...] = (
        (doc.sequential_ms, "--", 1.5, "document: sequential"),
        (doc.parallel_ms, ":", 2, "document: parallel"),
    )
    for ms, style, width, label in claims:
        lab = label if first else "_nolegend_"
        ax.hlines(ms, i - 0.42, i + 0.42, colors="black", linestyles=style, linewidth=width, label=lab)
    # With a quota, what a list-order executor reaches (the verdict's reference), not the clairvoyant bound.
    par = th.list_order[1] if th.quota is not None and th.list_order is not None else th.parallel_ms
    if math.isfinite(par):
        label = "theory: parallel\n(list order if quota)" if first else "_nolegend_"
        ax.plot([i + 0.44], [par], marker="<", color="black", markersize=7, linestyle="none", label=label)


# --- 2. distributions --------------------------------------------------------------------------------


def ecdf(trials: pd.DataFrame, scenario: str, executors: Sequence[str], path: Path) -> Path | None:
    """Empirical CDF of the makespan of each executor in one scenario."""
    g = trials[trials["scenario"] == scenario]
    if g.empty:
        return None
    col = colors(executors)
    fig = _new(7.5, 4.2, margins=(0.75, 0.2, 0.35, 0.55))
    ax = fig.add_subplot()
    for e in executors:
        x = np.sort(g.loc[g["executor"] == e, "makespan_ms"].to_numpy(dtype=np.float64))
        if x.size == 0:
            continue
        y = np.arange(1, x.size + 1) / x.size
        ax.step(
            np.concatenate([[x[0]], x]),
            np.concatenate([[0.0], y]),
            where="post",
            color=col[e],
            label=f"{e} (n={x.size})",
            linewidth=1.8,
        )
    vals = g["makespan_ms"].to_numpy(dtype=np.float64)
    if vals.size and vals.min() > 0 and vals.max() / vals.min() > 5:
        # Sequential is several times slower than parallel: a log axis keeps both shapes visible.
        ax.set_xscale("log")
        # Plain numbers at 1-2-5 steps read better than 6×10² at 100% zoom.
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("makespan (document ms)")
    ax.set_ylabel("fraction of trials ≤ x")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{scenario}: makespan distribution per executor (ECDF)")
    ax.grid(alpha=0.3, which="both")
    _legend(ax, fontsize=8, loc="lower right")
    return _save(fig, path)


# --- 3. timelines ------------------------------------------------------------------------------------


def _panels(
    calls: pd.DataFrame, scenario: str, reps: Mapping[tuple[str, str], int], executors: Sequence[str]
) -> list[tuple[str, int, pd.DataFrame]]:
    """(executor, trial, its calls) of the representative trial of each executor present."""
    g = calls[calls["scenario"] == scenario]
    panels = []
    for e, t in ((e, reps.get((scenario, e))) for e in executors):
        if t is not None:
            mine = g[(g["executor"] == e) & (g["trial"] == t)]
            if not mine.empty:
                panels.append((e, t, mine.reset_index(drop=True)))
    return panels


def timeline(
    calls: pd.DataFrame,
    scenario: str,
    reps: Mapping[tuple[str, str], int],
    executors: Sequence[str],
    path: Path,
    *,
    makespans: Mapping[tuple[str, str, int], float] | None = None,
) -> Path | None:
    """Gantt chart of the representative trial of each executor: one lane per call, one block of lanes
    per executor, all in one axes (one set of ticks to lay out: several times faster than a panel each).

    ``makespans`` ((scenario, executor, trial) -> document ms) adds a line where the executor returned:
    the gap after the last call is the executor's own overhead.
    """
    panels = _panels(calls, scenario, reps, executors)
    if not panels:
        return None
    col = colors(executors)
    lanes = [len(g) for _, _, g in panels]
    lane_h = 0.2 if max(lanes) <= 10 else 0.12
    fig = _new(9.0, min(1.6 + sum(lane_h * (n + 1.6) for n in lanes), 24.0), margins=(0.45, 0.15, 0.35, 0.85))
    ax = fig.add_subplot()
    flags = {"wait": False, "failed": False, "makespan": False}
    top = 0.0
    for e, t, g in panels:
        mk = (makespans or {}).get((scenario, e, t), math.nan)
        top = _block(ax, g, top, label=f"{e} (trial {t})", color=col[e], makespan=mk, flags=flags)
        ax.axhline(top, color="0.8", linewidth=0.8)
    shown = [(makespans or {}).get((scenario, e, t), math.nan) for e, t, _ in panels]
    ax.set_xlim(0.0, _x_end(panels, shown))
    ax.set_ylim(top, -0.2)
    ax.set_yticks([])
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("time since the executor's first call was requested (document ms)")
    ax.set_title(
        f"{scenario}: timeline of a representative trial per executor (closest to median)", fontsize=10
    )
    _timeline_legend(fig, flags)
    return _save(fig, path)


def _block(
    ax: Axes, g: pd.DataFrame, top: float, *, label: str, color: str, makespan: float, flags: dict[str, bool]
) -> float:
    """One executor's lanes below ``top``: its label, calls and makespan line; returns the new top."""
    y = top + 1.0 + np.arange(len(g))
    _lanes(ax, g, y, color, flags)
    if math.isfinite(makespan):
        flags["makespan"] = True
        ax.vlines(makespan, y[0] - 0.5, y[-1] + 0.5, colors="black", linestyles="--", linewidth=1)
    at = blended_transform_factory(ax.transAxes, ax.transData)
    ax.text(0.005, top + 0.3, label, transform=at, fontsize=8, weight="bold", va="center")
    # Plain texts, not ticks: a tick is four artists, and 50 of them cost more than the bars. At most ~20
    # labels per block: a fan-out of 100 calls would print an unreadable smear.
    step = max(1, math.ceil(len(g) / 20))
    size = 6 if len(g) > 10 else 7
    for yi, name in zip(y[::step], g["call_id"].tolist()[::step], strict=True):
        ax.text(-0.006, yi, name, transform=at, fontsize=size, ha="right", va="center")
    return float(y[-1]) + 0.8


def _x_end(panels: Sequence[tuple[str, int, pd.DataFrame]], makespans: Sequence[float]) -> float:
    """Where the time axis ends: the last call's end or makespan shown, with a margin (a collection does
    not autoscale the way bars do)."""
    ends = [float((g["rel_start_ms"] + g["duration_ms"]).max()) for _, _, g in panels]
    return max([*ends, *(v for v in makespans if math.isfinite(v)), 1e-9]) * 1.03


def _bars(
    ax: Axes, y: np.ndarray[Any, Any], left: np.ndarray[Any, Any], width: np.ndarray[Any, Any], **kw: Any
) -> None:
    """Horizontal bars as one PolyCollection: one artist instead of a Rectangle per bar (several times
    cheaper to build and draw for a timeline's hundreds of bars)."""
    x0, x1, lo, hi = left, left + width, y - 0.35, y + 0.35
    verts = np.stack(
        [np.stack([x0, lo], 1), np.stack([x0, hi], 1), np.stack([x1, hi], 1), np.stack([x1, lo], 1)], 1
    )
    ax.add_collection(PolyCollection(list(verts), linewidths=0, **kw))


def _lanes(ax: Axes, g: pd.DataFrame, y: np.ndarray[Any, Any], color: str, flags: dict[str, bool]) -> None:
    """One executor's calls: limiter waits faint, calls solid (red when failed), ×N for retried calls."""
    wait = g["wait_ms"].to_numpy(dtype=np.float64)
    start = g["rel_start_ms"].to_numpy(dtype=np.float64)
    dur = g["duration_ms"].to_numpy(dtype=np.float64)
    failed = g["failed"].to_numpy(dtype=bool)
    if (wait > 0).any():
        flags["wait"] = True
        _bars(ax, y, start - wait, wait, facecolors=color, alpha=0.25)
    flags["failed"] = flags["failed"] or bool(failed.any())
    _bars(ax, y, start, dur, facecolors=[FAILED_COLOR if f else color for f in failed])
    for yi, a, s, d in zip(y, g["attempts"], start, dur, strict=True):
        if int(a) > 1:
            ax.annotate(
                f"×{int(a)}", (s + d, yi), xytext=(2, 0), textcoords="offset points", va="center", fontsize=7
            )


def _timeline_legend(fig: Figure, flags: Mapping[str, bool]) -> None:
    handles: list[Artist] = [Patch(color="#888888", label="call (start → end)")]
    if flags["wait"]:
        handles.append(Patch(color="#888888", alpha=0.25, label="limiter wait"))
    if flags["failed"]:
        handles.append(Patch(color=FAILED_COLOR, label="failed call"))
    if flags["makespan"]:
        handles.append(Line2D([0], [0], color="black", linestyle="--", linewidth=1, label="makespan"))
    # Below the axes (in the bottom margin), not inside: inside, it would hide the calls it describes.
    fig.legend(handles=handles, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles))


# --- 4. scaling --------------------------------------------------------------------------------------


def _paired(trials: pd.DataFrame, col: str, baseline: str) -> pd.DataFrame:
    """Per (scenario, trial, executor) the baseline's ``col`` over the executor's ``col``."""
    base = trials.loc[trials["executor"] == baseline, ["scenario", "trial", col]].rename(columns={col: "b"})
    m = trials[["scenario", "trial", "executor", col]].merge(base, on=["scenario", "trial"])
    m = m[m[col] > 0]
    return m.assign(ratio=m["b"] / m[col])


def _speedup_points(trials: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Median paired speedup with CI and the median ideal speedup, per (scenario, executor)."""
    meas = _paired(trials, "makespan_ms", baseline)
    ideal = _paired(trials, "ideal_ms", baseline)
    rows = []
    for (sc, ex), g in meas.groupby(["scenario", "executor"], sort=False):
        x = g["ratio"].to_numpy(dtype=np.float64)
        ci = median_ci(x)
        ideal_x = ideal.loc[(ideal["scenario"] == sc) & (ideal["executor"] == ex), "ratio"]
        rows.append(
            {
                "scenario": sc,
                "executor": ex,
                "speedup": float(np.median(x)),
                "low": ci.low,
                "high": ci.high,
                "ideal": float(ideal_x.median()) if len(ideal_x) else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=["scenario", "executor", "speedup", "low", "high", "ideal"])


def _errbar(ax: Axes, x: Sequence[float], pts: pd.DataFrame, color: str, label: str) -> None:
    y = pts["speedup"].to_numpy(dtype=np.float64)
    lo = np.nan_to_num(y - pts["low"].to_numpy(dtype=np.float64))
    hi = np.nan_to_num(pts["high"].to_numpy(dtype=np.float64) - y)
    ax.errorbar(x, y, yerr=np.array([lo, hi]), color=color, marker="o", capsize=3, label=label)
    ax.plot(
        x,
        pts["ideal"].to_numpy(dtype=np.float64),
        color=color,
        linestyle="--",
        alpha=0.7,
        label=f"{label} (ideal)",
    )


def scaling_family(
    trials: pd.DataFrame,
    theory: Mapping[str, ScenarioTheory],
    family: str,
    executors: Sequence[str],
    path: Path,
    *,
    baseline: str = "sequential",
) -> Path | None:
    """Paired speedup vs number of calls across the scenarios of one family (needs ≥ 2 sizes)."""
    g = trials[(trials["family"] == family)]
    sizes = {}
    for sc, gs in g.groupby("scenario", sort=False):
        th = theory.get(str(sc))
        sizes[str(sc)] = th.n_calls if th is not None and th.n_calls else int(gs["n_calls"].max())
    if len(set(sizes.values())) < 2 or baseline not in set(g["executor"]):
        return None
    pts = _speedup_points(g, baseline)
    pts = pts.assign(n=pts["scenario"].map(sizes)).sort_values("n")
    col = colors(executors)
    fig = _new(7.5, 4.5)
    ax = fig.add_subplot()
    for e in executors:
        if e == baseline or "@" in e:
            continue
        p = pts[pts["executor"] == e]
        if not p.empty:
            _errbar(ax, p["n"].tolist(), p, col[e], e)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(set(sizes.values())))
    ax.set_xticklabels([str(n) for n in sorted(set(sizes.values()))])
    ax.set_xlabel("number of calls in the turn")
    ax.set_ylabel(f"paired speedup vs {baseline} (×)")
    ax.set_title(f"family '{family}': speedup vs number of calls (median, 95% CI; dashed = ideal)")
    ax.grid(alpha=0.3)
    _legend(ax, fontsize=7, ncol=2)
    return _save(fig, path)


def scaling_workers(
    trials: pd.DataFrame,
    scenario: str,
    executors: Sequence[str],
    path: Path,
    *,
    baseline: str = "sequential",
) -> Path | None:
    """Paired speedup vs max_workers for labels ``name@K`` in one scenario (needs ≥ 2 values of K)."""
    g = trials[trials["scenario"] == scenario]
    labelled = {
        e: split_label(e) for e in executors if split_label(e)[1] is not None and e in set(g["executor"])
    }
    bases = sorted({b for b, _ in labelled.values()})
    if not labelled or baseline not in set(g["executor"]):
        return None
    pts = _speedup_points(g, baseline)
    col = colors(executors)
    fig = _new(7.5, 4.5)
    ax = fig.add_subplot()
    plotted = False
    all_k: set[int] = set()
    for b in bases:
        ks = sorted((k, e) for e, (bb, k) in labelled.items() if bb == b and k is not None)
        if len(ks) < 2:
            continue
        p = pts.set_index("executor").loc[[e for _, e in ks]].reset_index()
        _errbar(ax, [k for k, _ in ks], p, col.get(b, col[ks[-1][1]]), f"{b}@K")
        all_k.update(k for k, _ in ks)
        plotted = True
    if not plotted:
        return None
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(all_k))
    ax.set_xticklabels([str(k) for k in sorted(all_k)])
    ax.set_xlabel("max_workers K")
    ax.set_ylabel(f"paired speedup vs {baseline} (×)")
    ax.set_title(f"{scenario}: speedup vs max_workers (median, 95% CI; dashed = ideal)")
    ax.grid(alpha=0.3)
    _legend(ax, fontsize=8)
    return _save(fig, path)


# --- 5. quota ----------------------------------------------------------------------------------------


def quota_starts(
    calls: pd.DataFrame,
    scenario: str,
    quota: Quota,
    reps: Mapping[tuple[str, str], int],
    *,
    executors: Sequence[str],
    path: Path,
) -> Path | None:
    """Cumulative call starts over time (representative trials) against what the quota allows."""
    col = colors(executors)
    series = []
    for e in executors:
        t = reps.get((scenario, e))
        if t is None:
            continue
        g = calls[(calls["scenario"] == scenario) & (calls["executor"] == e) & (calls["trial"] == t)]
        if not g.empty:
            series.append((e, t, np.sort(g["rel_start_ms"].to_numpy(dtype=np.float64))))
    if not series:
        return None
    t_end = max(float(s[-1]) for _, _, s in series)
    n_max = max(s.size for _, _, s in series)
    fig = _new(7.5, 4.5)
    ax = fig.add_subplot()
    grid = np.linspace(0.0, max(t_end * 1.1, quota.window_ms * 2), 800)
    allowed = np.array([quota.max_starts(float(x)) for x in grid])
    # Drawn wide and light underneath: an executor pacing exactly at the quota stays visible on top of it.
    ax.step(
        grid,
        np.minimum(allowed, n_max + quota.burst),
        where="post",
        color="0.55",
        linewidth=4,
        alpha=0.6,
        zorder=1,
        label=f"most starts the quota allows ({quota.describe()})",
    )
    for e, t, s in series:
        ax.step(
            np.concatenate([[0.0], s]),
            np.arange(0, s.size + 1),
            where="post",
            color=col[e],
            linewidth=1.8,
            zorder=2,
            label=f"{e} (trial {t})",
        )
    ax.set_xlabel("time since the executor's first call was requested (document ms)")
    ax.set_ylabel("calls started (cumulative)")
    ax.set_title(
        f"{scenario}: call starts vs the quota\n(a line above the grey bound broke the quota)", fontsize=11
    )
    ax.grid(alpha=0.3)
    _legend(ax, fontsize=8, loc="lower right")
    return _save(fig, path)
