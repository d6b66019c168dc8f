"""The report's first section: the document's table reproduced, a verdict per figure, and the findings."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reports import _fmt as f
from reports._figures import doc_order
from reports._ranking import Ranking, best_of, is_clean
from reports._stats import BASELINE, ExecutorStats
from reports._theory import ScenarioTheory
from reports._verdicts import DIFFERS, HOLDS, INCONCLUSIVE, NA, Measured, Verdict, judge


@dataclass(frozen=True)
class DocRow:
    """One reproduced row of the document's table."""

    scenario: str
    theory: ScenarioTheory
    sequential: ExecutorStats | None
    parallel: tuple[ExecutorStats, ...]
    best: ExecutorStats | None
    verdict: Verdict | None


def doc_rows(
    stats: Sequence[ExecutorStats], theory: Mapping[str, ScenarioTheory], baseline: str = BASELINE
) -> list[DocRow]:
    """The document's rows that the run measured, each with its verdict."""
    rows = []
    for sc in doc_order(theory):
        th = theory[sc]
        mine = [s for s in stats if s.scenario == sc]
        if not mine:
            continue
        seq = next((s for s in mine if s.executor == baseline), None)
        best = best_of(mine, baseline)
        m = Measured(
            sequential_ms=seq.median if seq else math.nan,
            parallel_ms=best.median if best else math.nan,
            parallel_executor=best.executor if best else None,
            speedup=best.speedup_median if best else math.nan,
            **({"sequential_ci": seq.median_ci} if seq else {}),
            **({"parallel_ci": best.median_ci, "speedup_ci": best.speedup_ci} if best else {}),
        )
        rows.append(DocRow(sc, th, seq, tuple(s for s in mine if s.executor != baseline), best, judge(th, m)))
    return rows


def doc_table(rows: Sequence[DocRow]) -> list[str]:
    out = f.table_head(
        "Row | Document: seq / par / speedup | Theory: E[sum] / E[max] / p95[max] | Measured seq median [95% CI] | Measured parallel medians [95% CI] | Paired speedup [95% CI] | Verdict"
    )
    for r in rows:
        d = r.theory.doc
        assert d is not None
        th = r.theory
        seq = f"{f.ms(r.sequential.median)} {f.ci(r.sequential.median_ci)}" if r.sequential else "–"
        par = "<br>".join(
            f"{s.executor}: {f.ms(s.median)} {f.ci(s.median_ci)}"
            + (f" ({s.n_errors} failed calls)" if s.n_errors else "")
            + (f" ({s.quota_violations} starts over quota)" if s.quota_violations else "")
            + (f" ({s.n_429} 429s)" if s.n_429 else "")
            for s in r.parallel
        )
        sp = (
            f"{r.best.executor}: {f.x(r.best.speedup_median)} {f.ci(r.best.speedup_ci, 'x')}"
            if r.best
            else "–"
        )
        theory_cell = f"{f.ms(th.expected_sum_ms)} / {f.ms(th.expected_max_ms)} / {f.ms(th.p95_max_ms)}"
        if th.quota is not None:
            lb, lb_se = th.expected_lower_bound_ms, th.expected_lower_bound_se_ms
            theory_cell += f"<br>E[lower bound] {f.ms(lb)}{f.pm(lb_se)} (clairvoyant)"
            if (lo := th.list_order) is not None:
                theory_cell += f"<br>{lo[0]} {f.ms(lo[1])}{f.pm(th.se(lo[0]))} (list order)"
        verdict = r.verdict.text if r.verdict else "–"
        out.append(
            f"| {f.cell(d.row)} (`{r.scenario}`) | ~{f.ms(d.sequential_ms)} / ~{f.ms(d.parallel_ms)} / "
            f"{d.speedup:g}× | {theory_cell} | {seq} | {par or '–'} | {sp} | {f.cell(verdict)} |"
        )
    return out


_MARK = {HOLDS: "✅ holds", DIFFERS: "❌ differs", INCONCLUSIVE: "❔ inconclusive", NA: "– n/a"}


def verdict_table(rows: Sequence[DocRow]) -> list[str]:
    """One line per document figure and reference: the claim, the reference with its interval, the band
    of reference values the claim's ±10% allows, and the verdict."""
    out = [
        "| Row | Figure | Document | Reference | Value [95% CI] | Holds if the value is in (±10%) | Verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.verdict is None:
            continue
        for c in r.verdict.checks:
            unit = "x" if c.what == "speedup" else "ms"
            num = f.x if unit == "x" else f.ms
            value = num(c.reference) + (f.pm(c.se) if c.ci.method == "exact" else " " + f.ci(c.ci, unit))
            claim = f"{c.claim:g}×" if unit == "x" else f"~{f.ms(c.claim)}"
            lo, hi = c.band
            out.append(
                f"| `{r.scenario}` | {c.what} | {claim} | {f.cell(c.reference_name)} | {value} | "
                f"{num(lo)}–{num(hi)} | {_MARK[c.status]} |"
            )
    return out


def findings(
    stats: Sequence[ExecutorStats],
    rows: Sequence[DocRow],
    ranks: Mapping[str, Ranking],
    baseline: str = BASELINE,
) -> list[str]:
    """Sentences computed from the numbers: the fastest executor (or a tie) per scenario, costly batching,
    and the document's rows by verdict."""
    out: list[str] = []
    for sc, rk in ranks.items():
        ss = [s for s in stats if s.scenario == sc]
        out.append(_fastest_sentence(rk, ss, baseline))
    by_status: dict[str, list[DocRow]] = {}
    for r in rows:
        if r.verdict is not None:
            by_status.setdefault(r.verdict.status, []).append(r)
    if held := by_status.get(HOLDS):
        names = ", ".join(f"`{r.scenario}`" for r in held)
        out.append(f"The document's figures hold (±10%, whole 95% CI inside) for {names}.")
    for status in (DIFFERS, INCONCLUSIVE, NA):
        for r in by_status.get(status, []):
            assert r.verdict is not None
            out.append(f"`{r.scenario}`: {r.verdict.text}.")
    for r in rows:
        if r.verdict is not None and r.verdict.note:
            out.append(f"`{r.scenario}`: {r.verdict.note}")
    return out


def _runner_up(rk: Ranking) -> str:
    """Why the best is named fastest: its closest rival's paired median ratio, whose CI lies above 1 (the
    executors' own intervals may overlap: each holds the plans' spread, which pairing cancels)."""
    defined = [(ex, r, ci) for ex, r, ci in rk.ratios if ci.defined]
    if not defined:
        return ""
    ex, r, ci = min(defined, key=lambda t: t[1])
    return f"; `{ex}` is {r - 1:+.1%} [{ci.low - 1:+.1%} to {ci.high - 1:+.1%}] slower, paired per trial"


def _fastest_sentence(rk: Ranking, ss: Sequence[ExecutorStats], baseline: str) -> str:
    best = rk.best
    if rk.separated:
        sent = f"**{rk.scenario}**: fastest is `{best.executor}` (median {f.ms(best.median)} ms"
        sent += _runner_up(rk)
    else:
        tied = ", ".join(f"`{e}`" for e in (best.executor, *rk.tied))
        sent = (
            f"**{rk.scenario}**: tied — {tied}: the 95% CI of each paired median ratio to "
            f"`{best.executor}` includes 1 (lowest median: `{best.executor}`, {f.ms(best.median)} ms"
        )
    if math.isfinite(best.speedup_median):
        sent += f", {f.x(best.speedup_median)} vs {baseline}"
    sent += ")."
    faster_failing = [s for s in ss if s.executor != baseline and not is_clean(s) and s.median < best.median]
    if faster_failing:
        sent += (
            " "
            + ", ".join(f"`{s.executor}`" for s in faster_failing)
            + " finish sooner but with failed calls or over the quota, so they are not counted."
        )
    for s in ss:
        if s.executor.split("@")[0] == "batched" and s is not best and s.median > 1.1 * best.median:
            sent += (
                f" `{s.executor}` costs {f.ms(s.median - best.median)} ms "
                f"(+{s.median / best.median - 1:.0%}) over `{best.executor}`: each batch waits "
                "for its slowest call."
            )
    return sent
