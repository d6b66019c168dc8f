"""The words around the advice: the plain-words paragraph's figures, what was assumed, and where
prediction and measurement disagree."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bench.advise._chosen import Chosen
from bench.advise._config import AdviseConfig
from bench.advise._confirm import Measured
from bench.advise._space import hedgeable
from reports import quantile_ratio_ci

#: a confirmed alternative is worth naming when its measured p95 is this much below the recommendation's
TAIL_GAIN = 0.2


def _num(v: float) -> float | None:
    return round(v, 3) if math.isfinite(v) else None


def _disagreements(rows: list[dict[str, Any]], measured: dict[str, Measured]) -> list[str]:
    """Where a prediction lies outside the measured figure's 95% interval (once per configuration: the
    current one may also be the recommendation)."""
    out = []
    for r in {r["label"]: r for r in rows}.values():
        m = measured[r["label"]]
        for q, ci, value in (("p50", m.ci_p50, m.p50_ms), ("p95", m.ci_p95, m.p95_ms)):
            pred = r[f"predicted_{q}_ms"]
            if ci.excludes(pred):
                out.append(
                    f"{r['label']}: predicted {q} {pred:,.0f} ms lies outside the measured 95% CI "
                    f"[{ci.low:,.0f}, {ci.high:,.0f}] (measured {value:,.0f} ms)"
                )
    return out


def _p95_change(a: Measured, b: Measured) -> tuple[float, list[float | None], int]:
    """p95(a) / p95(b) - 1, its distribution-free interval ([None, None] when there is none) and the
    trials an interval needs (0 when it has one): a bootstrap of a ratio of p95s under-covers at advise's
    60 trials (86%), so none is printed until each side has 72."""
    ci = quantile_ratio_ci(np.asarray(a.makespans_ms), np.asarray(b.makespans_ms), 0.95)
    lo, hi = (_num(ci.low - 1), _num(ci.high - 1)) if ci.defined else (None, None)
    return a.p95_ms / b.p95_ms - 1, [lo, hi], 0 if ci.defined else ci.needed


def _hedge_note(config: AdviseConfig, chosen: Chosen) -> list[str]:
    tools = hedgeable(config.scenario)
    if not tools:
        return [
            "No hedge was offered: no tool of this scenario is marked `idempotent = true` outside a quota."
        ]
    notes = [
        f"Hedges were offered only for tools marked `idempotent = true` and under no quota ({len(tools)}: "
        + ", ".join(f"`{t}`" for t in tools[:5])
        + (" …" if len(tools) > 5 else "")
        + "); a second copy of any other call could do its work twice or spend quota."
    ]
    notes.extend(_hedge_effects(config, chosen))
    return notes


def _hedge_effects(config: AdviseConfig, chosen: Chosen) -> list[str]:
    """What each measured hedge buys against its measured unhedged twin, predicted and measured."""
    by = {p.candidate.label: p for p in chosen.ordered}
    out = []
    for p in chosen.ordered:
        twin = by.get(p.candidate.unhedged().label)
        if p.candidate.hedge_q is None or twin is None:
            continue
        m = chosen.measured
        change, (lo, hi), needed = _p95_change(m[p.candidate.label], m[twin.candidate.label])
        ci = f"[no CI: needs {needed} trials]" if lo is None or hi is None else f"[{lo:+.1%}, {hi:+.1%}]"
        predicted = p.p95_ms / twin.p95_ms - 1
        verdict = (
            ""
            if lo is None or hi is None
            else (
                " — the measured change reaches the predicted one within its CI"
                if lo <= predicted
                else " — the measured change falls short of the predicted one"
            )
        )
        out.append(
            f"The hedge's own effect ({p.candidate.label} vs {twin.candidate.label}, same plans): p95 "
            f"predicted {predicted:+.1%}, measured {change:+.1%} {ci}{verdict}."
        )
    return out


def context(
    config: AdviseConfig, chosen: Chosen, rows: list[dict[str, Any]], cur: dict[str, Any] | None
) -> dict[str, Any]:
    """What advice.md says besides the table: paragraph figures, SLO verdict, notes."""
    best = chosen.ordered[0]
    out: dict[str, Any] = {
        "scenario": config.scenario.name,
        "figure": "pareto.png",
        "calls": len(config.scenario.calls),
    }
    if best.candidate.hedge_q is not None:
        out["hedge_quantile"] = f"p{best.candidate.hedge_q * 100:g}"
        out["hedge_tools"] = [t for t, _ in best.candidate.hedge_ms]
    out["failed"] = {label: m.failed for label, m in chosen.measured.items()}
    # advice.json's rows have the keys only; the page still says how many retries a timeout has
    confirmed = [*chosen.ordered, *([chosen.current] if chosen.current else [])]
    out["retries"] = {p.candidate.label: p.candidate.retries for p in confirmed}
    out["ci95_p50_ms"] = {
        label: [_num(m.ci_p50.low), _num(m.ci_p50.high)] for label, m in chosen.measured.items()
    }
    if cur is not None and chosen.current is not None:
        change, ci, needed = _p95_change(chosen.measured[best.candidate.label], chosen.measured[cur["label"]])
        out["p95_change"], out["p95_change_ci"], out["p95_change_ci_needs"] = change, ci, needed
    if config.slo_p95_ms is not None:
        out["slo"] = _slo_words(config.slo_p95_ms, rows)
    else:
        out["tail"] = _tail_alternative(rows)
        out["fastest"] = _fastest_other(rows + ([cur] if cur else []))
    out["notes"] = [
        *_hedge_note(config, chosen),
        f"Searched {chosen.search.evaluated} configurations on a virtual clock over "
        f"{len(chosen.search.evaluator.plans)} sampled plans; {len(chosen.search.front)} on the Pareto front "
        "(failed calls, 429s, p50, p95, extra calls). Confirmed by a paired run of "
        f"{chosen.trials} trials at time scale {config.time_scale:g}; advise took {chosen.elapsed_s:.0f} s.",
        "Measured on a shared machine: timings carry its noise; extra calls count every retry, hedge copy "
        "and 429'd attempt per turn.",
        "No model is in the loop: cost is $0 a turn"
        + (", so the budget does not bind." if config.budget_usd else "."),
        *_disagreements(rows + ([cur] if cur else []), chosen.measured),
    ]
    return out


def _tail_alternative(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The fastest confirmed configuration whose measured p95 is at least ``TAIL_GAIN`` below the
    recommendation's: the choice for a reader who cares for the tail more than for the median."""
    best = rows[0]
    better = [r for r in rows[1:] if r["measured_p95_ms"] <= best["measured_p95_ms"] * (1 - TAIL_GAIN)]
    if not better:
        return None
    alt = min(better, key=lambda r: r["measured_p50_ms"])
    return {
        "label": alt["label"],
        "p95_ms": alt["measured_p95_ms"],
        "p95_change": alt["measured_p95_ms"] / best["measured_p95_ms"] - 1,
        "p50_change": alt["measured_p50_ms"] / best["measured_p50_ms"] - 1,
    }


def _fastest_other(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The confirmed configuration with the lowest measured p50 when it is not the recommendation (which
    won a tie within 3% by its p95 or its cost): the paragraph says so rather than look slower for nothing."""
    fastest = min(rows, key=lambda r: r["measured_p50_ms"])
    if fastest["label"] == rows[0]["label"]:
        return None
    return {"label": fastest["label"], "p50_ms": fastest["measured_p50_ms"]}


def _slo_words(slo: float, rows: list[dict[str, Any]]) -> str:
    meet = [r for r in rows if r["measured_p95_ms"] <= slo]
    if meet and rows[0] is meet[0]:
        return f"SLO p95 ≤ {slo:,.0f} ms: **{rows[0]['label']}** is the cheapest configuration measured to meet it."
    closest = min(rows, key=lambda r: r["measured_p95_ms"])
    return (
        f"SLO p95 ≤ {slo:,.0f} ms: **no configuration meets it**; the closest is {closest['label']} "
        f"(measured p95 {closest['measured_p95_ms']:,.0f} ms)."
    )
