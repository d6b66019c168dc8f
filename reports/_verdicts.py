"""Verdicts on the document's figures, decided from confidence intervals against the document's "~" (±10%).

Each document figure is checked against theory and against the measurement. A figure **holds** when the
whole interval of its reference lies within ±10% of it, **differs** when the whole interval lies outside,
and is **inconclusive** when the interval straddles the edge (more trials would tell). Missing data is
**n/a**, never "holds". Theory figures are judged as points: exact ones are, and estimated ones carry a
standard error (``Check.se``, printed as ±) far below the ±10% band. The text is written from numbers only,
never from scenario names; when a figure differs, the reason names the theory quantity it is closest to.

With a quota, the parallel figure is compared with what a list-order executor can reach (the theory's
prediction for the paced schedule); the gap from there to the clairvoyant lower bound is explained apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reports._fmt import pm
from reports._intervals import CI, NO_CI, none
from reports._theory import DocClaim, ScenarioTheory

#: the document writes "~1500ms": read as ±10%
TOLERANCE = 0.10
HOLDS, DIFFERS, INCONCLUSIVE, NA = "holds", "differs", "inconclusive", "n/a"
#: a row takes the worst status of its checks, in this order
_SEVERITY = (DIFFERS, INCONCLUSIVE, NA, HOLDS)


def exact(value: float) -> CI:
    """The point interval of an exact figure (theory)."""
    return CI(value, value, "exact") if math.isfinite(value) else none()


@dataclass(frozen=True, slots=True)
class Measured:
    """The measurement a document row is judged against (document ms); NaN and no interval when absent."""

    sequential_ms: float = math.nan
    parallel_ms: float = math.nan
    parallel_executor: str | None = None
    speedup: float = math.nan
    sequential_ci: CI = NO_CI
    parallel_ci: CI = NO_CI
    speedup_ci: CI = NO_CI


@dataclass(frozen=True, slots=True)
class Check:
    """One document figure against one reference and the reference's interval."""

    what: str
    claim: float
    reference: float
    reference_name: str
    ci: CI
    #: standard error of an estimated theory reference (0 when exact or measured)
    se: float = 0.0

    @property
    def deviation(self) -> float:
        """Relative deviation of the claim from the reference (+0.14 = claim 14% higher)."""
        if not (math.isfinite(self.claim) and math.isfinite(self.reference)) or self.reference == 0:
            return math.nan
        return self.claim / self.reference - 1.0

    @property
    def band(self) -> tuple[float, float]:
        """The reference values that hold: the claim ±10%, 0.9x to 1.1x the document's figure (as
        docs/reports.md states; it was claim/1.1 .. claim/0.9, a band about the reference instead)."""
        return self.claim * (1 - TOLERANCE), self.claim * (1 + TOLERANCE)

    @property
    def status(self) -> str:
        if math.isnan(self.deviation) or not self.ci.defined:
            return NA
        lo, hi = self.band
        eps = 1e-9 * abs(self.claim)
        if lo - eps <= self.ci.low and self.ci.high <= hi + eps:
            return HOLDS
        if self.ci.high < lo - eps or self.ci.low > hi + eps:
            return DIFFERS
        return INCONCLUSIVE

    @property
    def holds(self) -> bool:
        return self.status == HOLDS


@dataclass(frozen=True, slots=True)
class Verdict:
    """The verdict on one document row: ``status`` is holds / differs / inconclusive / n/a; ``text`` says
    why; ``note`` explains a quota-bound row's gap to the clairvoyant bound (empty otherwise)."""

    status: str
    text: str
    checks: tuple[Check, ...]
    note: str = ""

    @property
    def holds(self) -> bool:
        return self.status == HOLDS


def _pct(x: float) -> str:
    return f"{x:+.0%}"


def _ms(x: float, se: float = 0.0) -> str:
    return f"{x:,.0f}{pm(se)} ms"


def _parallel_reference(t: ScenarioTheory) -> tuple[str, float]:
    """What the document's parallel figure is judged against in theory: with a quota, the list-order
    prediction; without, the lower bound (named E[max] when it is the slowest call)."""
    if t.quota is not None and (lo := t.list_order) is not None:
        return f"{lo[0]} (list order)", lo[1]
    if math.isclose(t.parallel_ms, t.expected_max_ms, rel_tol=1e-3):
        return "E[max]", t.parallel_ms
    return "E[lower bound]", t.parallel_ms


def checks_of(t: ScenarioTheory, doc: DocClaim, m: Measured) -> tuple[Check, ...]:
    """The six checks of a row: sequential, parallel and speedup against theory and against measurement."""
    par_name, par_ms = _parallel_reference(t)
    short = par_name.removesuffix(" (list order)")
    th_speedup = t.expected_sum_ms / par_ms if math.isfinite(par_ms) and par_ms > 0 else math.nan
    # E[sum] is exact, so the speedup's standard error is the parallel figure's, relative (delta method)
    par_se = t.se(short)
    speedup_se = th_speedup * par_se / par_ms if par_se > 0 else 0.0
    par_meas = f"measured median ({m.parallel_executor})" if m.parallel_executor else "measured median"
    return (
        Check("sequential", doc.sequential_ms, t.expected_sum_ms, "E[sum]", exact(t.expected_sum_ms)),
        Check("parallel", doc.parallel_ms, par_ms, par_name, exact(par_ms), par_se),
        Check("speedup", doc.speedup, th_speedup, f"E[sum]/{short}", exact(th_speedup), speedup_se),
        Check("sequential", doc.sequential_ms, m.sequential_ms, "measured median", m.sequential_ci),
        Check("parallel", doc.parallel_ms, m.parallel_ms, par_meas, m.parallel_ci),
        Check("speedup", doc.speedup, m.speedup, "measured paired speedup", m.speedup_ci),
    )


def judge(t: ScenarioTheory, m: Measured) -> Verdict | None:
    """The verdict for a scenario that has a document row; None when the document says nothing."""
    doc = t.doc
    if doc is None:
        return None
    checks = checks_of(t, doc, m)
    status = min((c.status for c in checks), key=_SEVERITY.index)
    note = _quota_note(t)
    if status == HOLDS:
        return Verdict(HOLDS, HOLDS, checks, note)
    missing = sorted({f"{c.what} ({c.reference_name})" for c in checks if c.status == NA})
    unjudged = "nothing to judge " + ", ".join(missing) + " against"
    if status == NA:
        return Verdict(NA, "n/a: " + unjudged, checks, note)
    if status == INCONCLUSIVE:
        open_ = [c for c in checks if c.status == INCONCLUSIVE]
        text = "inconclusive: " + "; ".join(
            f"{c.what} ~{_fmt(c, c.claim)} vs {c.reference_name} {_fmt(c, c.reference, c.se)} "
            f"[{_fmt(c, c.ci.low)}–{_fmt(c, c.ci.high)}] straddles the ±10% edge "
            f"({_fmt(c, c.band[0])}–{_fmt(c, c.band[1])})"
            for c in open_
        )
        text += "; more trials would decide" + (f"; {unjudged}" if missing else "")
        return Verdict(INCONCLUSIVE, text, checks, note)
    failing = [c for c in checks if c.status == DIFFERS]
    # The headline is the parallel figure when it is off: the speedup is derived from the other two.
    priority = {"parallel": 0, "sequential": 1, "speedup": 2}
    worst = min(failing, key=lambda c: (priority.get(c.what, 3), -abs(c.deviation)))
    reasons: list[str] = []
    seen: set[str] = set()
    for c in failing:
        if c.what not in seen:
            seen.add(c.what)
            reasons.append(_reason(c, t, m, doc))
    text = f"differs by {_pct(worst.deviation)} ({worst.what} vs {worst.reference_name}): " + "; ".join(
        reasons
    )
    return Verdict(DIFFERS, text, checks, note)


def _quota_note(t: ScenarioTheory) -> str:
    """Why a quota-bound parallel time sits above the clairvoyant lower bound, and what sets it."""
    q = t.quota
    if q is None or not t.n_calls:
        return ""
    text = (
        f"The quota ({q.describe()}) lets call {t.n_calls} start no earlier than "
        f"{_ms(q.earliest_start_ms(t.n_calls))}: the quota, not the slowest call, sets the parallel time."
    )
    lo = t.list_order
    lb = t.expected_lower_bound_ms
    if lo is not None and math.isfinite(lb) and lb > 0:
        text += (
            f" The clairvoyant lower bound E[lower bound] = {_ms(lb, t.expected_lower_bound_se_ms)} assumes a scheduler that knows every "
            f"call's latency and starts the slowest first; an executor that starts calls in request order "
            f"reaches {lo[0]} = {_ms(lo[1], t.se(lo[0]))} ({_pct(lo[1] / lb - 1)}): that gap is the price of not knowing "
            "latencies in advance, not executor overhead."
        )
    return text


def _closest(value: float, candidates: Mapping[str, float]) -> tuple[str, float] | None:
    finite = {k: v for k, v in candidates.items() if math.isfinite(v) and v > 0}
    if not finite:
        return None
    name = min(finite, key=lambda k: abs(math.log(value / finite[k])))
    return name, finite[name]


def _parallel_candidates(t: ScenarioTheory) -> dict[str, float]:
    # The list-order prediction first: equal predictions of other executors then lose the tie to it.
    c = dict([t.list_order] if t.quota is not None and t.list_order is not None else [])
    c |= {
        "E[max]": t.expected_max_ms,
        "p50[max]": t.p50_max_ms,
        "p95[max]": t.p95_max_ms,
        "E[lower bound]": t.expected_lower_bound_ms,
    }
    c |= {f"predicted[{k}]": v for k, v in t.predicted_ms.items() if f"predicted[{k}]" not in c}
    return c


def _reason(c: Check, t: ScenarioTheory, m: Measured, doc: DocClaim) -> str:
    head = f"{c.what} ~{_fmt(c, c.claim)} is {_pct(c.deviation)} vs {c.reference_name} = {_fmt_ref(c)}"
    if c.what in ("parallel", "sequential"):
        cands = (
            _parallel_candidates(t)
            if c.what == "parallel"
            else {"E[sum]": t.expected_sum_ms, "p50[sum]": t.p50_sum_ms, "p95[sum]": t.p95_sum_ms}
        )
        near = _closest(c.claim, cands)
        if near is not None and not c.reference_name.startswith(near[0]) and _within(c.claim, near[1]):
            head += f"; it is closest to {near[0]} = {_ms(near[1], t.se(near[0]))}"
            if near[0].startswith("p95"):
                head += ", i.e. the document quotes a slow trial rather than the mean"
    elif c.what == "speedup" and doc.parallel_ms > 0:
        own = doc.sequential_ms / doc.parallel_ms
        if not _within(doc.speedup, own):
            head += f"; the document's own columns give {own:.1f}x"
        else:
            head += " (it follows from the document's own columns)"
    if c.reference_name.startswith("measured"):
        head += _measurement_vs_theory(c, t, m)
    return head


def _measurement_vs_theory(c: Check, t: ScenarioTheory, m: Measured) -> str:
    """Say whether the measurement or the document is the odd one out."""
    th = {"sequential": t.expected_sum_ms, "parallel": _parallel_reference(t)[1]}.get(c.what, math.nan)
    meas = {"sequential": m.sequential_ms, "parallel": m.parallel_ms}.get(c.what, math.nan)
    if not (math.isfinite(th) and math.isfinite(meas) and th > 0):
        return ""
    gap = meas / th - 1
    if abs(gap) <= TOLERANCE:
        return " (the measurement agrees with theory)"
    if gap > 0:
        return f" (the measurement is {_pct(gap)} vs theory: executor overhead)"
    return f" (the measurement is {_pct(gap)} vs theory: it beat the model's assumptions)"


def _within(claim: float, ref: float) -> bool:
    return abs(claim / ref - 1) <= TOLERANCE + 1e-12


def _fmt(c: Check, x: float, se: float = 0.0) -> str:
    return f"{x:.2f}x{pm(se)}" if c.what == "speedup" else _ms(x, se)


def _fmt_ref(c: Check) -> str:
    text = _fmt(c, c.reference, c.se)
    if c.ci.method != "exact" and c.ci.defined:
        text += f" [{_fmt(c, c.ci.low)}–{_fmt(c, c.ci.high)}]"
    return text


def row_status(verdicts: Sequence[Verdict | None]) -> dict[str, int]:
    """How many rows took each status (for a one-line summary)."""
    out: dict[str, int] = {}
    for v in verdicts:
        if v is not None:
            out[v.status] = out.get(v.status, 0) + 1
    return out
