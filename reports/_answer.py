"""Your answer first: for a scenario that is not one of the document's rows, what to use, how much faster,
who is tied, what binds the parallel time, and whether the differences matter in wall time.

"Fastest" alone can be misleading: a paired CI may exclude 1 for a difference of 0.2 ms, which no user
would act on. A difference smaller than ``NEGLIGIBLE_WALL_MS`` of wall time or ``NEGLIGIBLE_SHARE`` of the
median is therefore called negligible, whatever its interval.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from reports import _fmt as f
from reports._ranking import Ranking
from reports._schema import TrialRecord
from reports._stats import ExecutorStats
from reports._theory import ScenarioTheory
from reports._tools_table import SLOWER_THAN_ALONE, ToolRow

#: a difference below this much wall time, or this share of the median, is negligible
NEGLIGIBLE_WALL_MS = 1.0
NEGLIGIBLE_SHARE = 0.01
#: the slowest call "binds" when it takes at least this share of the makespan
BINDS_SHARE = 0.8


def negligible(diff_doc_ms: float, median_doc_ms: float, time_scale: float) -> bool:
    """Whether a difference of medians (document ms) is too small to act on."""
    return (
        abs(diff_doc_ms) * time_scale < NEGLIGIBLE_WALL_MS
        or abs(diff_doc_ms) < NEGLIGIBLE_SHARE * median_doc_ms
    )


def _size(diff_doc_ms: float, median_doc_ms: float, time_scale: float) -> str:
    wall = abs(diff_doc_ms) * time_scale
    share = abs(diff_doc_ms) / median_doc_ms if median_doc_ms > 0 else math.nan
    tag = ": negligible" if negligible(diff_doc_ms, median_doc_ms, time_scale) else ""
    return f"{wall:,.1f} ms wall ({share:.1%}){tag}"


def slowest_call(records: Sequence[TrialRecord]) -> tuple[str, float, float]:
    """(tool most often slowest, median slowest-call duration, median makespan), document ms."""
    longest, tools, spans = [], Counter[str](), []
    for r in records:
        ok = [c for c in r.calls if c.status == "ok"]
        if not ok:
            continue
        top = max(ok, key=lambda c: c.end_s - c.start_s)
        tools[top.tool] += 1
        longest.append((top.end_s - top.start_s) / r.time_scale * 1000)
        spans.append(r.makespan_s / r.time_scale * 1000)
    if not longest:
        return "", math.nan, math.nan
    return tools.most_common(1)[0][0], float(np.median(longest)), float(np.median(spans))


def _binds(
    best: ExecutorStats, records: Sequence[TrialRecord], th: ScenarioTheory | None, tools: Sequence[ToolRow]
) -> str:
    tool, slowest, span = slowest_call(records)
    lines = []
    if th is not None and th.quota is not None:
        lines.append(f"the quota ({th.quota.describe()})")
    if tool and slowest >= BINDS_SHARE * span:
        lines.append(f"the slowest call (`{tool}`, median {f.ms(slowest)} of the {f.ms(span)} ms turn)")
    hot = [t for t in tools if t.executor == best.executor and t.ratio >= SLOWER_THAN_ALONE]
    if hot:
        lines.append(
            "contention: "
            + ", ".join(f"`{t.tool}` runs {t.ratio:.2f}× slower than alone" for t in hot)
            + (" (CPU-bound Python holds the GIL)" if any(t.source == "python" for t in hot) else "")
        )
    if not lines and tool:
        lines.append(
            f"the executor itself: the slowest call (`{tool}`, {f.ms(slowest)} ms) is only part of the "
            f"{f.ms(span)} ms turn"
        )
    return "; ".join(lines) or "n/a"


def _ties(rk: Ranking, stats: Mapping[str, ExecutorStats], ts: float) -> list[str]:
    out = []
    for ex, r, ci in rk.ratios:
        s = stats[ex]
        diff = s.median - rk.best.median
        state = "tied" if ex in rk.tied else "slower"
        out.append(f"`{ex}`: {state}, {f.x(r)} {f.ci(ci, 'x')} paired, {_size(diff, rk.best.median, ts)}")
    return out


def answer_section(  # what the section reads, each computed once by the page
    scenarios: Sequence[str],
    stats: Sequence[ExecutorStats],
    *,
    ranks: Mapping[str, Ranking],
    records: Sequence[TrialRecord],
    theory: Mapping[str, ScenarioTheory],
    tools: Sequence[ToolRow],
    baseline: str,
) -> list[str]:
    """The answer per scenario in ``scenarios``, or nothing when there are none."""
    if not scenarios:
        return []
    md = ["## Your answer", ""]
    for sc in scenarios:
        rk = ranks.get(sc)
        mine = {s.executor: s for s in stats if s.scenario == sc}
        base = mine.get(baseline)
        if rk is None:
            md += [f"### `{sc}`", "", f"Nothing to recommend: only `{baseline}` was measured.", ""]
            continue
        best = rk.best
        recs = [r for r in records if r.scenario == sc and r.executor == best.executor]
        ts = recs[0].time_scale if recs else 1.0
        head = f"### `{sc}`: use `{best.executor}`"
        lines = [head, ""]
        if base is not None and math.isfinite(best.speedup_median):
            diff = base.median - best.median
            lines.append(
                f"- **{f.x(best.speedup_median)} {f.ci(best.speedup_ci, 'x')} faster than `{baseline}`** "
                f"(paired per trial): median {f.ms(best.median)} against {f.ms(base.median)} ms, "
                f"{_size(diff, base.median, ts)} less per turn."
            )
        ties = _ties(rk, mine, ts)
        if ties:
            lines.append("- Against the others: " + "; ".join(ties) + ".")
        lines.append(
            f"- What binds the parallel time: {_binds(best, recs, theory.get(sc), [t for t in tools if t.scenario == sc])}."
        )
        md += [*lines, ""]
    md += [
        f"Negligible: a difference below {NEGLIGIBLE_WALL_MS:g} ms of wall time or {NEGLIGIBLE_SHARE:.0%} of the "
        "median, whatever its interval. Tied: the 95% CI of the paired median ratio includes 1.",
        "",
    ]
    return md
