"""History as a person reads it: trend.md with one PNG per cell, a short summary for a CI job, and the
check's verdict. Pure functions of the series and changes; files are written atomically."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bench.history._changes import Changes
from bench.history._check import CheckReport
from bench.history._compare import Comparison
from reports import write_text_atomic

_UNIT = {"median": "median makespan", "p95": "p95 makespan", "implementation-cost": "implementation cost"}


def _size(relative: bool, v: float) -> str:
    if not math.isfinite(v):
        return "n/a"
    return f"{v:+.1%}" if relative else f"{v:+.2f} ms"


def _interval(relative: bool, low: float, high: float) -> str:
    return f"[{_size(relative, low)}, {_size(relative, high)}]"


def _ms(v: float) -> str:
    return f"{v:,.1f}" if math.isfinite(v) else "n/a"


def _verdict(c: Changes) -> str:
    marks = []
    for s in c.steps:
        icon = {"regression": "❌", "improvement": "✅", "small": "·"}[s.kind]
        marks.append(f"{icon} {s.kind} at `{s.commit[:10]}` {_size(c.series.relative, s.size)}")
    marks += [
        f"❌ drift `{d.first_commit[:10]}`…`{d.last_commit[:10]}` {_size(c.series.relative, d.size)} "
        f"over {d.steps} steps"
        for d in c.drifts
    ]
    if c.series.is_raw and marks:
        marks.append("(a raw reference: the machine changed, not the code)")
    return "; ".join(marks) or "no step"


def summary_markdown(changes: Sequence[Changes]) -> str:
    """One table row per cell: latest value, commits, what was found. Fit for ``$GITHUB_STEP_SUMMARY``."""
    lines = [
        "## pfcbench history",
        "",
        "| scenario | executor | machine | metric | commits | latest (document ms) | found |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for c in changes:
        s, last = c.series, c.series.points[-1]
        lines.append(
            f"| {s.scenario} | {s.executor} | {s.machine} | {_UNIT[s.metric]} | {len(s.points)} | "
            f"{_ms(last.value)} | {_verdict(c)} |"
        )
    return "\n".join([*lines, ""])


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:120]


def cell_markdown(c: Changes, png: str) -> list[str]:
    s = c.series
    out = [f"### {s.scenario} / {s.executor} — {s.machine}", "", f"![{s.key}]({png})", "", _verdict(c), ""]
    out += [
        f"| # | commit | when | machines | {_UNIT[s.metric]} (document ms) | 95% CI | trials | injected |",
        "|---:|---|---|---|---:|---|---:|---:|",
    ]
    steps = {st.index: st for st in c.steps}
    for i, p in enumerate(s.points, 1):
        mark = f" ← {steps[i - 1].kind} {_size(s.relative, steps[i - 1].size)}" if i - 1 in steps else ""
        ci = f"[{_ms(p.low)}, {_ms(p.high)}]" if math.isfinite(p.low) else "n/a (too few trials)"
        out.append(
            f"| {i} | `{p.commit[:10]}`{mark} | {p.when} | {', '.join(p.machines)} | {_ms(p.value)} | {ci} | "
            f"{len(p.trials)} | {p.injected:g} |"
        )
    return [*out, ""]


@dataclass(frozen=True, slots=True)
class TrendFiles:
    trend: Path
    summary: Path
    figures: tuple[Path, ...]


def write_trend(changes: Sequence[Changes], out: Path) -> TrendFiles:
    """trend.md, summary.md and one PNG per cell into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    pngs: list[Path] = []
    body: list[str] = []
    for c in changes:
        name = _slug(f"{c.series.scenario}__{c.series.executor}__{c.series.machine}")
        # one cell per scenario definition and time scale: the same names can come twice
        name = f"{name}-{len(pngs) + 1}.png" if out / f"{name}.png" in pngs else f"{name}.png"
        pngs.append(plot_cell(c, out / name))
        body += cell_markdown(c, name)
    summary = summary_markdown(changes)
    head = [
        "# pfcbench history: trends",
        "",
        "One point per commit in commit order (git's when it knows the commits, else the runs' times): the "
        "metric over the commit's trials with its 95% order-statistic CI. Steps come from PELT on the "
        "per-commit values with an interval from a bootstrap over commits (docs/history.md).",
        "",
    ]
    write_text_atomic(out / "trend.md", "\n".join([*head, summary, *body]))
    write_text_atomic(out / "summary.md", summary)
    return TrendFiles(out / "trend.md", out / "summary.md", tuple(pngs))


def plot_cell(c: Changes, path: Path) -> Path:
    """The metric per commit with its CI, segment levels, each step marked with its size and interval."""
    s = c.series
    x = np.arange(1, len(s.points) + 1)
    y = np.array([p.value for p in s.points])
    lo = np.array([p.low if math.isfinite(p.low) else p.value for p in s.points])
    hi = np.array([p.high if math.isfinite(p.high) else p.value for p in s.points])
    fig = Figure(figsize=(max(6.0, 0.45 * len(x) + 3), 4.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    machines = sorted({", ".join(p.machines) for p in s.points})
    for k, m in enumerate(machines):
        sel = np.array([", ".join(p.machines) == m for p in s.points])
        ax.errorbar(
            x[sel],
            y[sel],
            yerr=[y[sel] - lo[sel], hi[sel] - y[sel]],
            fmt="o",
            capsize=3,
            color=f"C{k}",
            label=f"machine: {m}",
        )
    bounds = [0, *(st.index for st in c.steps), len(s.points)]
    for a, b in itertools.pairwise(bounds):
        ax.hlines(np.median(y[a:b]), a + 0.6, b + 0.4, colors="0.4", linestyles="-", linewidth=1)
    for st in c.steps:
        color = {"regression": "C3", "improvement": "C2", "small": "0.5"}[st.kind]
        ax.axvline(st.index + 0.5, color=color, linestyle="--", linewidth=1.2)
        ax.annotate(
            f"{st.kind} {_size(s.relative, st.size)}\n{_interval(s.relative, st.low, st.high)}",
            (st.index + 0.55, float(np.max(hi))),
            fontsize=8,
            color=color,
            va="top",
        )
    for d in c.drifts:
        ax.axvspan(
            d.start + 0.5,
            len(s.points) + 0.5 if d.end == bounds[-2] else d.end + 0.5,
            color="C1",
            alpha=0.12,
            label=f"drift {_size(s.relative, d.size)}",
        )
    ax.set_xticks(x, [p.commit[:7] for p in s.points], rotation=60, fontsize=7, family="monospace")
    ax.set_xlabel("commit (commit order)")
    ax.set_ylabel(f"{_UNIT[s.metric]} (document ms)")
    ax.set_title(f"{s.scenario} / {s.executor}\n{s.machine}", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # never over a point
    fig.tight_layout()
    fig.savefig(path)
    return path


def _comparison_row(r: Comparison) -> str:
    rel = r.mode != "difference"
    value = f"{r.value:.3f}" if rel else f"{r.value:+.2f} ms"
    ci = (
        (f"[{r.low:.3f}, {r.high:.3f}]" if rel else f"[{r.low:+.2f}, {r.high:+.2f}] ms")
        if r.tested
        else "not tested"
    )
    mark = "❌" if r.regressed else "✅"
    return f"| {mark} | {r.scenario} | {r.executor} | {r.mode} | {value} | {ci} | {r.fraction:+.1%} | {r.n_base}/{r.n_cand} |"


def check_markdown(report: CheckReport) -> str:
    """The verdict of ``history check``: the baseline comparison, then every cell's steps and drifts."""
    o = report.options
    head = "❌ **pfcbench history check failed**" if report.failed else "✅ **pfcbench history check passed**"
    lines = ["## pfcbench history check", "", head, ""]
    b = report.baseline
    if b is not None:
        lines += [f"### {b.candidate[:12]} vs {b.baseline[:12]} ({b.how})", ""]
        lines += [
            f"Tolerance {o.tolerance:.0%} of the baseline's makespan; the gate's comparison at "
            f"{o.confidence:.0%} confidence.",
            "",
        ]
        for machine, rows in b.by_machine.items():
            lines += [
                f"**{machine}**",
                "",
                "| | scenario | executor | mode | new vs base | CI | change | trials |",
                "|---|---|---|---|---:|---|---:|---:|",
                *map(_comparison_row, rows),
                "",
            ]
    lines += ["### History: steps and drifts", "", summary_markdown(report.changes).split("\n", 2)[2]]
    lines += [f"- {n}" for n in report.notes]
    return "\n".join(lines).rstrip() + "\n"
