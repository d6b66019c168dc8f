"""Every confidence interval pfcbench prints: the report, the end-to-end table, run comparison and the gate.

Two methods, numpy only (no scipy: a report should not pay its import):

- **Quantiles** (medians, p95, the median of paired speedups or differences): distribution-free intervals
  from order statistics. The number of observations at or below the true q-quantile is Binomial(n, q),
  so ``[x_(l), x_(u)]`` covers it with probability ``B(u-1) - B(l-1)`` whatever the distribution — at
  least the nominal level, exactly, at every n. Where no pair of order statistics reaches the level (a
  95% interval for the p95 needs 59 trials, for the median 6) there is no interval, and
  :func:`trials_needed` says how many trials would give one. A bootstrap cannot do this honestly: its
  resamples never exceed the sample maximum, so its p95 intervals under-cover at small n.
- **Ratios of medians of two independent samples** (run comparison, the gate's unpaired fallback), and the
  gate's paired median ratio: a vectorised percentile bootstrap, drawn exactly as
  ``scipy.stats.bootstrap(..., method="percentile")`` draws it, so the gate's validated figures stand.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 4999

FloatArray = npt.NDArray[np.float64]
Statistic = Callable[..., FloatArray]


@dataclass(frozen=True, slots=True)
class CI:
    """A confidence interval. ``method`` says how it was obtained: order statistics, percentile
    bootstrap, degenerate (constant data), or n/a (none: too few observations; ``needed`` says how many
    would give one, 0 when unknown)."""

    low: float
    high: float
    method: str
    needed: int = 0

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0

    @property
    def defined(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)

    def excludes(self, value: float) -> bool:
        return self.defined and (value < self.low or value > self.high)


#: no interval, reason unknown (absent data)
NO_CI = CI(math.nan, math.nan, "n/a")


def none(needed: int = 0) -> CI:
    """No interval (too few observations; ``needed`` would give one)."""
    return CI(math.nan, math.nan, "n/a", needed) if needed else NO_CI


def make_rng(seed: int, *key: object) -> np.random.Generator:
    """A generator seeded from the run seed and a key, stable across Python processes (no ``hash()``)."""
    digest = hashlib.sha256(repr((seed, *key)).encode()).digest()
    return np.random.default_rng([seed & 0xFFFFFFFF, int.from_bytes(digest[:8], "little")])


# ----------------------------------------------------------------------------- order-statistic intervals


@lru_cache(maxsize=1024)
def _binom_cdf(n: int, q: float) -> tuple[float, ...]:
    """P(Binomial(n, q) <= k) for k = 0..n, from log-pmfs summed in numpy (no lgamma needed)."""
    k = np.arange(1, n + 1, dtype=np.float64)
    log_choose = np.concatenate([[0.0], np.cumsum(np.log(n - k + 1) - np.log(k))])
    ks = np.arange(n + 1, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_pmf = log_choose + ks * math.log(q) + (n - ks) * math.log1p(-q)
    cdf = np.cumsum(np.exp(log_pmf))
    return tuple(float(v) for v in np.minimum(cdf, 1.0))


@lru_cache(maxsize=1024)
def order_ranks(n: int, q: float, confidence: float = CONFIDENCE) -> tuple[int, int] | None:
    """1-based ranks (l, u) with P(x_(l) <= ξ_q <= x_(u)) >= confidence for any continuous distribution,
    tails split as evenly as n allows; None when even (1, n) falls short.

    K = #{x_i <= ξ_q} ~ Binomial(n, q) and the interval covers exactly when l <= K <= u - 1.
    """
    if n < 1 or not 0 < q < 1:
        return None
    cdf = _binom_cdf(n, q)
    alpha = 1.0 - confidence

    def b(k: int) -> float:  # P(K <= k)
        return 0.0 if k < 0 else 1.0 if k >= n else cdf[k]

    if b(n - 1) - b(0) < confidence:
        return None
    lows = [lo for lo in range(1, n + 1) if b(lo - 1) <= alpha / 2]
    ups = [u for u in range(1, n + 1) if b(u - 1) >= 1 - alpha / 2]
    if lows and ups:
        return lows[-1], ups[0]
    if not ups:  # the upper tail is too short for alpha/2: take x_(n) and spend the rest below
        lo = max(lo for lo in range(1, n + 1) if b(n - 1) - b(lo - 1) >= confidence)
        return lo, n
    u = min(u for u in range(1, n + 1) if b(u - 1) - b(0) >= confidence)
    return 1, u


@lru_cache(maxsize=256)
def trials_needed(q: float, confidence: float = CONFIDENCE) -> int:
    """The fewest observations for which a distribution-free interval of the q-quantile exists."""
    n = 1
    while 1.0 - q**n - (1.0 - q) ** n < confidence:
        n += 1
    return n


def quantile_ci(x: FloatArray, q: float, confidence: float = CONFIDENCE) -> CI:
    """Distribution-free CI of the population q-quantile (0 < q < 1) from order statistics.

    Non-finite values are dropped. Constant data gives a point; too few observations give none, with
    the number needed.
    """
    a = np.sort(np.asarray(x, dtype=np.float64))
    a = a[np.isfinite(a)]
    if a.size == 0:
        return NO_CI  # nothing measured: more trials of the same kind would not help
    ranks = order_ranks(int(a.size), q, confidence)
    if ranks is None:
        return none(trials_needed(q, confidence))
    lo, hi = float(a[ranks[0] - 1]), float(a[ranks[1] - 1])
    return CI(lo, hi, "degenerate" if lo == hi else "order statistics")


UNION_BOUND = "order statistics, union bound"


def _each(a: FloatArray, b: FloatArray, q: float, confidence: float) -> tuple[CI, CI]:
    """Each sample's q-quantile interval at 1 − (1 − confidence)/2: by the union bound both hold at once at
    least ``confidence`` of the time, whatever the dependence between the samples (paired ones included)."""
    each = 1.0 - (1.0 - confidence) / 2
    return quantile_ci(a, q, each), quantile_ci(b, q, each)


def quantile_difference_ci(a: FloatArray, b: FloatArray, q: float, confidence: float = CONFIDENCE) -> CI:
    """Distribution-free CI of quantile_q(A) − quantile_q(B) (see ``_each``). Conservative (wide); none
    where either sample is too small (a p95 needs 72), with that number."""
    ca, cb = _each(a, b, q, confidence)
    if not (ca.defined and cb.defined):
        return none(max(ca.needed, cb.needed))
    return CI(ca.low - cb.high, ca.high - cb.low, UNION_BOUND)


def quantile_ratio_ci(a: FloatArray, b: FloatArray, q: float, confidence: float = CONFIDENCE) -> CI:
    """Distribution-free CI of quantile_q(A) / quantile_q(B) for positive samples (see ``_each``); none
    where either sample is too small (a p95 needs 72), with that number. A percentile bootstrap of this
    ratio under-covers at such n (69% at n = 20, 86% at n = 60): its resamples never pass a sample's max."""
    ca, cb = _each(a, b, q, confidence)
    if not (ca.defined and cb.defined and cb.low > 0):
        return none(max(ca.needed, cb.needed))
    return CI(ca.low / cb.high, ca.high / cb.low, UNION_BOUND)


def median_ci(x: FloatArray, confidence: float = CONFIDENCE) -> CI:
    """CI of the median: also the right interval for the median of paired ratios or differences."""
    return quantile_ci(x, 0.5, confidence)


def p95_ci(x: FloatArray, confidence: float = CONFIDENCE) -> CI:
    return quantile_ci(x, 0.95, confidence)


# -------------------------------------------------------------------------------- percentile bootstrap


def _median(x: FloatArray, axis: int = -1) -> FloatArray:
    return np.asarray(np.median(x, axis=axis), dtype=np.float64)


def ratio_of_medians(a: FloatArray, b: FloatArray, axis: int = -1) -> FloatArray:
    """median(a) / median(b) along ``axis``."""
    return np.asarray(np.median(a, axis=axis) / np.median(b, axis=axis), dtype=np.float64)


def bootstrap_ci(
    samples: Sequence[FloatArray],
    statistic: Statistic,
    rng: np.random.Generator,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> CI:
    """Percentile bootstrap CI of ``statistic(*samples, axis=-1)`` over independent samples.

    All resamples are drawn at once (one index matrix per sample, in the order and shape scipy draws
    them), so the statistic runs once over an (n_resamples, n) array. Non-finite values are dropped;
    a sample of fewer than two values gives none; constant samples give a point.
    """
    arrays = [np.asarray(s, dtype=np.float64) for s in samples]
    arrays = [a[np.isfinite(a)] for a in arrays]
    if any(a.size < 2 for a in arrays):
        return none()
    if all(np.ptp(a) == 0 for a in arrays):
        point = float(statistic(*arrays))
        return CI(point, point, "degenerate")
    resampled = [a[rng.integers(0, a.size, (n_resamples, a.size))] for a in arrays]
    theta = statistic(*resampled, axis=-1)
    alpha = (1.0 - confidence) / 2
    low, high = (float(v) for v in np.quantile(theta, [alpha, 1.0 - alpha]))
    if not (math.isfinite(low) and math.isfinite(high)):
        return none()
    return CI(low, high, "percentile bootstrap")


def median_bootstrap_ci(
    x: FloatArray, rng: np.random.Generator, n_resamples: int, confidence: float = CONFIDENCE
) -> CI:
    """Percentile bootstrap CI of one sample's median (the gate's paired test, validated this way)."""
    return bootstrap_ci([x], _median, rng, n_resamples, confidence)


def ratio_of_quantiles_ci(
    new: FloatArray,
    base: FloatArray,
    rng: np.random.Generator,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> CI:
    """CI of median(new) / median(base) for two independent samples (two-sample percentile bootstrap): the
    gate's and ``compare``'s test. Other quantiles: :func:`quantile_ratio_ci`.

    ``base`` is resampled first and the median is ``np.median``: the gate's validated draws
    (``tools/gate_power.py``) were made so."""
    return bootstrap_ci([base, new], _inverse_ratio, rng, n_resamples, confidence)


def _inverse_ratio(base: FloatArray, new: FloatArray, axis: int = -1) -> FloatArray:
    return ratio_of_medians(new, base, axis)
