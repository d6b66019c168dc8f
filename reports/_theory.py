"""theory.json beside the measurement: the document's claims, the theory's expectations, and a verdict.

The verdict is written from numbers only (no scenario names): each document figure is compared with the
theory and the measurement, and when it is off, the reason names the theory quantity it is closest to.
The tolerance is the document's "~": ±10%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: the document writes "~1500ms": read as ±10%
TOLERANCE = 0.10


@dataclass(frozen=True)
class DocClaim:
    """One row of the document's performance table."""

    row: str
    sequential_ms: float
    parallel_ms: float
    speedup: float


@dataclass(frozen=True)
class Quota:
    """A provider quota: ``calls`` per ``period_ms``, at most ``burst`` back to back."""

    calls: int
    period_ms: float
    burst: int

    @property
    def window_ms(self) -> float:
        """The sliding window in which at most ``burst`` calls may start (200 ms for 10/s, burst 2)."""
        return self.period_ms * self.burst / self.calls

    def max_starts(self, t_ms: float) -> int:
        """Most call starts the quota allows in [0, t_ms]; both sliding-window bounds apply."""
        if t_ms < 0:
            return 0
        by_burst = self.burst * (math.floor(t_ms / self.window_ms) + 1)
        by_period = self.calls * (math.floor(t_ms / self.period_ms) + 1)
        return min(by_burst, by_period)

    def earliest_start_ms(self, k: int) -> float:
        """Earliest time the k-th call (1-based) may start under the quota."""
        by_burst = self.window_ms * ((k - 1) // self.burst)
        by_period = self.period_ms * ((k - 1) // self.calls)
        return max(by_burst, by_period)

    def describe(self) -> str:
        return f"{self.calls} calls per {self.period_ms:g} ms, burst {self.burst}"


@dataclass(frozen=True)
class ScenarioTheory:
    """One scenario of theory.json; missing numbers are NaN."""

    scenario: str
    family: str
    n_calls: int | None
    doc: DocClaim | None
    quota: Quota | None
    expected_sum_ms: float
    expected_max_ms: float
    p50_sum_ms: float
    p95_sum_ms: float
    p50_max_ms: float
    p95_max_ms: float
    expected_lower_bound_ms: float
    predicted_ms: Mapping[str, float] = field(default_factory=dict)

    @property
    def parallel_ms(self) -> float:
        """What a perfect parallel executor achieves on average: the lower bound (which includes any
        quota), else the expected slowest call."""
        if math.isfinite(self.expected_lower_bound_ms):
            return self.expected_lower_bound_ms
        return self.expected_max_ms


def _num(d: Mapping[str, Any], key: str) -> float:
    v = d.get(key)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan


def parse_theory(scenario: str, d: Mapping[str, Any]) -> ScenarioTheory:
    """One theory.json scenario entry -> ScenarioTheory, tolerating missing keys."""
    doc_d = d.get("doc")
    doc = None
    if isinstance(doc_d, Mapping):
        doc = DocClaim(
            str(doc_d.get("row", scenario)),
            _num(doc_d, "sequential_ms"),
            _num(doc_d, "parallel_ms"),
            _num(doc_d, "speedup"),
        )
    q = d.get("quota")
    quota = None
    if isinstance(q, Mapping) and all(k in q for k in ("calls", "period_ms", "burst")):
        quota = Quota(int(q["calls"]), float(q["period_ms"]), int(q["burst"]))
    pred = d.get("predicted_ms")
    predicted = (
        {str(k): float(v) for k, v in pred.items() if isinstance(v, int | float)}
        if isinstance(pred, Mapping)
        else {}
    )
    n = d.get("n_calls")
    return ScenarioTheory(
        scenario=scenario,
        family=str(d.get("family") or scenario),
        n_calls=int(n) if isinstance(n, int) else None,
        doc=doc,
        quota=quota,
        expected_sum_ms=_num(d, "expected_sum_ms"),
        expected_max_ms=_num(d, "expected_max_ms"),
        p50_sum_ms=_num(d, "p50_sum_ms"),
        p95_sum_ms=_num(d, "p95_sum_ms"),
        p50_max_ms=_num(d, "p50_max_ms"),
        p95_max_ms=_num(d, "p95_max_ms"),
        expected_lower_bound_ms=_num(d, "expected_lower_bound_ms"),
        predicted_ms=predicted,
    )


def parse_all(theory: Mapping[str, Mapping[str, Any]]) -> dict[str, ScenarioTheory]:
    return {name: parse_theory(name, d) for name, d in theory.items()}


@dataclass(frozen=True)
class Measured:
    """The measurement a document row is judged against (document ms); NaN when absent."""

    sequential_ms: float = math.nan
    parallel_ms: float = math.nan
    parallel_executor: str | None = None
    speedup: float = math.nan


@dataclass(frozen=True)
class Check:
    """One document figure against one reference."""

    what: str
    claim: float
    reference: float
    reference_name: str

    @property
    def deviation(self) -> float:
        """Relative deviation of the claim from the reference (+0.14 = claim 14% higher)."""
        if not (math.isfinite(self.claim) and math.isfinite(self.reference)) or self.reference == 0:
            return math.nan
        return self.claim / self.reference - 1.0

    @property
    def holds(self) -> bool:
        return math.isnan(self.deviation) or abs(self.deviation) <= TOLERANCE + 1e-12


@dataclass(frozen=True)
class Verdict:
    """The verdict on one document row: ``text`` is "holds" or "differs by X%: reasons"."""

    holds: bool
    text: str
    checks: tuple[Check, ...]


def _closest(value: float, candidates: Mapping[str, float]) -> tuple[str, float] | None:
    finite = {k: v for k, v in candidates.items() if math.isfinite(v) and v > 0}
    if not finite:
        return None
    name = min(finite, key=lambda k: abs(math.log(value / finite[k])))
    return name, finite[name]


def _pct(x: float) -> str:
    return f"{x:+.0%}"


def _ms(x: float) -> str:
    return f"{x:,.0f} ms"


def _parallel_candidates(t: ScenarioTheory) -> dict[str, float]:
    c = {
        "E[max]": t.expected_max_ms,
        "p50[max]": t.p50_max_ms,
        "p95[max]": t.p95_max_ms,
        "E[lower bound]": t.expected_lower_bound_ms,
    }
    c.update({f"predicted[{k}]": v for k, v in t.predicted_ms.items()})
    return c


def judge(t: ScenarioTheory, m: Measured) -> Verdict | None:
    """The verdict for a scenario that has a document row; None when the document says nothing."""
    doc = t.doc
    if doc is None:
        return None
    th_speedup = (
        t.expected_sum_ms / t.parallel_ms if math.isfinite(t.parallel_ms) and t.parallel_ms > 0 else math.nan
    )
    # Without a quota or dependencies the lower bound is the slowest call: call it by that name.
    par_ref_name = (
        "E[max]" if math.isclose(t.parallel_ms, t.expected_max_ms, rel_tol=1e-3) else "E[lower bound]"
    )
    checks = (
        Check("sequential", doc.sequential_ms, t.expected_sum_ms, "E[sum]"),
        Check("parallel", doc.parallel_ms, t.parallel_ms, par_ref_name),
        Check("speedup", doc.speedup, th_speedup, f"E[sum]/{par_ref_name}"),
        Check("sequential", doc.sequential_ms, m.sequential_ms, "measured median"),
        Check(
            "parallel",
            doc.parallel_ms,
            m.parallel_ms,
            f"measured median ({m.parallel_executor})" if m.parallel_executor else "measured median",
        ),
        Check("speedup", doc.speedup, m.speedup, "measured paired speedup"),
    )
    failing = [c for c in checks if not c.holds]
    if not failing:
        text = "holds"
        if t.quota is not None and t.n_calls:
            # Holding for the right reason: say what sets the parallel time when a quota applies.
            text += (
                f" (the quota, {t.quota.describe()}, lets call {t.n_calls} start no earlier than "
                f"{_ms(t.quota.earliest_start_ms(t.n_calls))}: that, not the slowest call, sets the "
                "parallel time)"
            )
        return Verdict(True, text, checks)
    # The headline is the parallel figure when it is off: the speedup is derived from the other two.
    priority = {"parallel": 0, "sequential": 1, "speedup": 2}
    worst = min(failing, key=lambda c: (priority.get(c.what, 3), -abs(c.deviation)))
    reasons: list[str] = []
    seen: set[str] = set()
    for c in failing:
        if c.what in seen:
            continue
        seen.add(c.what)
        reasons.append(_reason(c, t, m, doc))
    if t.quota is not None and "parallel" in seen and t.n_calls:
        q = t.quota
        reasons.append(
            f"the quota ({q.describe()}) lets call {t.n_calls} start no earlier than "
            f"{_ms(q.earliest_start_ms(t.n_calls))}, so parallel time is bounded by the quota, "
            "not by the slowest call"
        )
    text = f"differs by {_pct(worst.deviation)} ({worst.what} vs {worst.reference_name}): " + "; ".join(
        reasons
    )
    return Verdict(False, text, checks)


def _reason(c: Check, t: ScenarioTheory, m: Measured, doc: DocClaim) -> str:
    head = f"{c.what} ~{_fmt_claim(c)} is {_pct(c.deviation)} vs {c.reference_name} = {_fmt_ref(c)}"
    if c.what == "parallel":
        near = _closest(c.claim, _parallel_candidates(t))
        if near is not None and near[0] != c.reference_name and abs(c.claim / near[1] - 1) <= TOLERANCE:
            head += (
                f"; it is closest to {near[0]} = {_ms(near[1])}, i.e. the document quotes a slow "
                "trial rather than the mean"
                if near[0].startswith("p95")
                else f"; it is closest to {near[0]} = {_ms(near[1])}"
            )
    elif c.what == "sequential":
        near = _closest(
            c.claim, {"E[sum]": t.expected_sum_ms, "p50[sum]": t.p50_sum_ms, "p95[sum]": t.p95_sum_ms}
        )
        if near is not None and near[0] != c.reference_name and abs(c.claim / near[1] - 1) <= TOLERANCE:
            head += f"; it is closest to {near[0]} = {_ms(near[1])}"
    elif c.what == "speedup" and doc.parallel_ms > 0:
        own = doc.sequential_ms / doc.parallel_ms
        if abs(doc.speedup / own - 1) > TOLERANCE:
            head += f"; the document's own columns give {own:.1f}x"
        else:
            head += " (it follows from the document's own columns)"
    if c.reference_name.startswith("measured"):
        # Say whether the measurement or the document is the odd one out.
        th = {"sequential": t.expected_sum_ms, "parallel": t.parallel_ms}.get(c.what, math.nan)
        meas = {"sequential": m.sequential_ms, "parallel": m.parallel_ms}.get(c.what, math.nan)
        if math.isfinite(th) and math.isfinite(meas) and th > 0:
            gap = meas / th - 1
            if abs(gap) <= TOLERANCE:
                head += " (the measurement agrees with theory)"
            elif gap > 0:
                head += f" (the measurement is {_pct(gap)} vs theory: executor overhead)"
            else:
                head += f" (the measurement is {_pct(gap)} vs theory: it beat the model's assumptions)"
    return head


def _fmt_claim(c: Check) -> str:
    return f"{c.claim:g}x" if c.what == "speedup" else _ms(c.claim)


def _fmt_ref(c: Check) -> str:
    return f"{c.reference:.2f}x" if c.what == "speedup" else _ms(c.reference)
