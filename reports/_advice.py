"""The advice page of ``pfcbench advise`` and its Pareto figure, from plain data (advice.json's rows plus
a few words of context); nothing here knows how the figures were obtained."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from reports._load_figures import _pyplot

Row = Mapping[str, Any]


def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v:,.0f}"


def _ci(ci: Sequence[float | None] | None) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return "[n/a]"
    return f"[{ci[0]:,.0f}, {ci[1]:,.0f}]"


def _retry_words(n: int) -> str:
    return f"{n} retr{'y' if n == 1 else 'ies'}"


def _guards(r: Row) -> str:
    parts = []
    if r.get("timeout_ms") is not None:
        parts.append(f"timeout {r['timeout_ms']:,.0f} ms, {_retry_words(r.get('retries', 0))}")
    elif r.get("retries"):
        parts.append(_retry_words(r["retries"]))
    hedge = r.get("hedge_ms")
    if isinstance(hedge, Mapping) and hedge:
        parts.append("hedge " + ", ".join(f"{t} {ms:,.0f} ms" for t, ms in hedge.items()))
    elif hedge is not None:
        parts.append(f"hedge {hedge:,.0f} ms")
    return "; ".join(parts) or "no guards"


def _table(rows: Sequence[Row], failed: Mapping[str, float]) -> list[str]:
    out = [
        "| configuration | guards | predicted p50 / p95 ms | measured p50 ms [95% CI] | measured p95 ms [95% CI] "
        "| 429s/turn | extra calls/turn | failed calls/turn |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lost = failed.get(str(r["label"]).removesuffix(" (current)"))
        out.append(
            f"| {r['label']} | {_guards(r)} | {_ms(r['predicted_p50_ms'])} / {_ms(r['predicted_p95_ms'])} "
            f"| {_ms(r['measured_p50_ms'])} {_ci(r.get('ci95_p50_ms'))} | {_ms(r['measured_p95_ms'])} {_ci(r.get('ci95_p95_ms'))} "
            f"| {r['rate_limited']:.2f} | {r['extra_calls']:.2f} | {'–' if lost is None else f'{lost:.2f}'} |"
        )
    return out


def advice_paragraph(best: Row, current: Row | None, context: Mapping[str, Any]) -> str:
    """One paragraph in plain words: what to use, and what it buys against the current configuration."""
    words = [
        f"Use **{best['executor']}**" + (f" with {best['workers']} workers" if best.get("workers") else "")
    ]
    if best.get("timeout_ms") is not None:
        retries = f" with {_retry_words(best['retries'])}" if best.get("retries") else ""
        words.append(f"a timeout of {best['timeout_ms']:,.0f} ms{retries}")
    elif best.get("retries"):
        words.append(_retry_words(best["retries"]))
    hedge = best.get("hedge_ms")
    if hedge:
        tools = list(hedge) if isinstance(hedge, Mapping) else list(context.get("hedge_tools", ()))
        ms = next(iter(hedge.values())) if isinstance(hedge, Mapping) else hedge
        where = f"`{tools[0]}`" if len(tools) == 1 else f"each of {len(tools)} idempotent tools"
        words.append(
            f"a hedge at the {context.get('hedge_quantile', 'chosen quantile')} of {where} ({ms:,.0f} ms)"
        )
    text = ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
    text += f": measured p50 {_ms(best['measured_p50_ms'])} ms, p95 {_ms(best['measured_p95_ms'])} ms"
    change = context.get("p95_change")
    lost = context.get("failed", {})
    if current is not None and lost.get(current["label"], 0) > lost.get(best["label"], 0):
        text += f"; your {current['label']} fails {lost[current['label']]:.1f} calls a turn"
    elif current is not None and current["label"] == best["label"]:
        text += "; that is your current configuration: keep it"
    elif current is not None and change is not None:
        lo, hi = context.get("p95_change_ci") or (None, None)
        needs = context.get("p95_change_ci_needs")
        ci = (
            f" [{lo:+.0%}, {hi:+.0%}]"
            if lo is not None and hi is not None
            else f" [no CI: needs {needs} trials]"
            if needs
            else " [CI n/a]"
        )
        text += f"; p95 {change:+.0%}{ci} vs your {current['label']}"
    text += ", no 429s" if best["rate_limited"] == 0 else f", {best['rate_limited']:.2f} 429s per turn"
    calls = context.get("calls") or 1
    text += f", {best['extra_calls'] / calls:+.0%} calls."
    fastest = context.get("fastest")
    if fastest:
        gap = best["measured_p50_ms"] / fastest["p50_ms"] - 1
        text += (
            f" The fastest median measured is {fastest['label']}'s ({fastest['p50_ms']:,.0f} ms, {gap:.1%} "
            "lower): medians within 3% tie, and a tie goes to the lower p95, then to fewer extra calls, "
            "workers and guards."
        )
    tail = context.get("tail")
    if tail:
        text += (
            f" If the tail matters more than the median: {tail['label']} has p95 {tail['p95_ms']:,.0f} ms "
            f"({tail['p95_change']:+.0%}) for p50 {tail['p50_change']:+.0%}; `--slo-p95-ms` chooses by the tail."
        )
    return text


def _with_context(r: Row, context: Mapping[str, Any]) -> Row:
    """A row with what the page shows besides advice.json's keys: retries and the measured p50's interval."""
    label = r["label"]
    return dict(
        r,
        retries=context.get("retries", {}).get(label, 0),
        ci95_p50_ms=context.get("ci95_p50_ms", {}).get(label),
    )


def render_advice_markdown(advice: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    """advice.md from advice.json's data and ``context`` (scenario, notes, figure file, SLO words; retries
    and the p50's interval by label, which advice.json's rows do not carry)."""
    recs: list[Row] = [_with_context(r, context) for r in advice["recommendations"]]
    cur = advice.get("current")
    current: Row | None = None if cur is None else _with_context(cur, context)
    lines = [f"# Advice for `{context['scenario']}`", ""]
    if recs:
        lines += [advice_paragraph(recs[0], current, context), ""]
    for key in ("keep", "binds"):  # each its own paragraph
        lines += [str(context[key]), ""] if context.get(key) else []
    if context.get("slo"):
        lines += [str(context["slo"]), ""]
    rows = recs + ([dict(current, label=f"{current['label']} (current)")] if current else [])
    lines += [
        "## Confirmed by measurement (paired runs, same plans)",
        "",
        *_table(rows, context.get("failed", {})),
        "",
    ]
    lines += [f"![Pareto front of the predicted configurations]({context['figure']})", ""]
    notes = list(context.get("notes", ()))
    if notes:
        lines += ["## Notes", "", *(f"- {n}" for n in notes), ""]
    return "\n".join(lines)


def _number_chosen(ax: Any, chosen: Sequence[Row]) -> None:
    """The confirmed configurations as numbered stars, their labels listed in a corner: written beside
    the points they overlapped wherever several are predicted alike. Points within 1.5% of both axes'
    spans share one tag ("1, 3")."""
    xs = [float(p["predicted_p50_ms"]) for p in chosen]
    ys = [float(p["predicted_p95_ms"]) for p in chosen]
    ax.scatter(xs, ys, marker="*", s=80, c="C3", zorder=3)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    tags: list[tuple[float, float, list[str]]] = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
        near = next(
            (t for t in tags if abs(t[0] - x) < 0.015 * (x1 - x0) and abs(t[1] - y) < 0.015 * (y1 - y0)), None
        )
        if near is None:
            tags.append((x, y, [str(i)]))
        else:
            near[2].append(str(i))
    for x, y, nums in tags:
        ax.annotate(
            ", ".join(nums), (x, y), fontsize=8, xytext=(5, 3), textcoords="offset points", color="C3"
        )
    key = "\n".join(f"{i}  {p['label']}" for i, p in enumerate(chosen, start=1))
    ax.text(0.02, 0.98, key, transform=ax.transAxes, va="top", ha="left", fontsize=7, family="monospace",
            bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})  # fmt: skip


def plot_pareto(
    points: Sequence[Row], front: Sequence[Row], chosen: Sequence[Row], path: str | os.PathLike[str]
) -> None:
    """Predicted p50 against p95 of every configuration evaluated, the Pareto front joined, the confirmed
    ones numbered (each row: label, predicted_p50_ms, predicted_p95_ms)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.scatter(
        [p["predicted_p50_ms"] for p in points],
        [p["predicted_p95_ms"] for p in points],
        s=6,
        c="0.7",
        label="evaluated",
    )
    f = sorted(front, key=lambda p: p["predicted_p50_ms"])
    ax.plot(
        [p["predicted_p50_ms"] for p in f],
        [p["predicted_p95_ms"] for p in f],
        "o",  # not joined: the front is over five objectives, and this is only two of them
        ms=4,
        label="Pareto front (failed calls, 429s, p50, p95, extra calls)",
    )
    _number_chosen(ax, chosen)
    ax.set_xlabel("predicted p50 makespan (ms)")
    ax.set_ylabel("predicted p95 makespan (ms)")
    ax.set_title("Configurations on a virtual clock")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
