"""theory.json as typed values: the document's claims, the quota, and the theory's expectations.

The verdicts written from them live in ``reports._verdicts``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
    #: standard errors of the estimated figures (0 where exact, and in theory.json files without them);
    #: the sum's quantiles carry a numerical error bound instead
    expected_lower_bound_se_ms: float = 0.0
    predicted_se_ms: Mapping[str, float] = field(default_factory=dict)
    sum_quantile_error_ms: float = 0.0
    #: the scenario's description (a trace replay's says how its trace was read, " | " between lines)
    description: str = ""

    def se(self, name: str) -> float:
        """The ± of the theory figure the report calls ``name`` (``E[lower bound]``, ``predicted[K]``,
        ``p50[sum]``, ...): its standard error, or the sum quantiles' error bound; 0 for exact figures."""
        if name == "E[lower bound]":
            return self.expected_lower_bound_se_ms
        if name.startswith("predicted[") and name.endswith("]"):
            return self.predicted_se_ms.get(name[len("predicted[") : -1], 0.0)
        if name in ("p50[sum]", "p95[sum]"):
            return self.sum_quantile_error_ms
        return 0.0

    @property
    def list_order(self) -> tuple[str, float] | None:
        """(name, ms) of the predicted makespan of an executor that starts calls in request order (every
        executor here; the paced ``ratelimited`` one when predicted): with a quota, what a real executor
        can reach, unlike the clairvoyant lower bound, which knows every call's latency in advance. None
        without predictions."""
        preds = {k: v for k, v in self.predicted_ms.items() if k != "sequential" and math.isfinite(v)}
        if not preds:
            return None
        # The paced executor is the one built for a quota; otherwise the fastest prediction.
        name = "ratelimited" if "ratelimited" in preds else min(preds, key=lambda k: (preds[k], k))
        return f"predicted[{name}]", preds[name]

    @property
    def parallel_ms(self) -> float:
        """What a perfect parallel executor achieves on average: the lower bound (which includes any
        quota), else the expected slowest call."""
        if math.isfinite(self.expected_lower_bound_ms):
            return self.expected_lower_bound_ms
        return self.expected_max_ms


def _num(d: Mapping[str, Any], key: str, missing: float = math.nan) -> float:
    v = d.get(key)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else missing


def _floats(v: object) -> dict[str, float]:
    """A theory.json ``{executor: ms}`` mapping; non-numbers are left out."""
    if not isinstance(v, Mapping):
        return {}
    return {str(k): float(x) for k, x in v.items() if isinstance(x, int | float) and not isinstance(x, bool)}


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
        predicted_ms=_floats(d.get("predicted_ms")),
        expected_lower_bound_se_ms=_num(d, "expected_lower_bound_se_ms", 0.0),
        predicted_se_ms=_floats(d.get("predicted_se_ms")),
        sum_quantile_error_ms=_num(d, "sum_quantile_error_ms", 0.0),
        description=str(d.get("description") or ""),
    )


def parse_all(theory: Mapping[str, Mapping[str, Any]]) -> dict[str, ScenarioTheory]:
    return {name: parse_theory(name, d) for name, d in theory.items()}
