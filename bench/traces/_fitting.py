"""Fit one tool's latency: lognormal, gamma and the empirical distribution compared by the
Kolmogorov-Smirnov distance to held-back data; the smallest distance wins and is refitted on all data.

The split: 5-fold cross-validation over a seeded shuffle. Each fold (20% of the latencies) is held back in
turn, every family is fitted on the other 80%, and a family's score is its mean KS distance to the held-back
folds (one 30% split was too noisy: on 1000 lognormal draws gamma won a third of the time).
Below ``MIN_SPLIT`` values there is nothing to hold back: the two parametric families are compared
in-sample and the empirical distribution (which would always win in-sample) is not a candidate."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from scenarios import MAX_SHAPE, MAX_SIGMA, Constant, Empirical, Gamma, Latency, LogNormal

FloatArray = npt.NDArray[np.float64]

FOLDS = 5
MIN_SPLIT = 20
#: lognormal and gamma need positive values; a recorded 0 ms is below the clock's resolution
_FLOOR_MS = 1e-3


@dataclass(frozen=True, slots=True)
class LatencyFit:
    """The chosen distribution of one tool, with what it was chosen by."""

    latency: Latency
    family: str
    n: int
    #: KS distance of each candidate family to the held-back data (in-sample when ``held_back`` is False)
    ks: dict[str, float]
    held_back: bool
    p50_ms: float
    p95_ms: float
    p99_ms: float


def fit_latency(values_ms: Sequence[float], key: str = "") -> LatencyFit:
    """The best of lognormal, gamma and empirical for ``values_ms`` (n >= 1); ``key`` seeds the split."""
    x = np.asarray(values_ms, dtype=np.float64)
    p50, p95, p99 = (float(v) for v in np.quantile(x, [0.5, 0.95, 0.99]))
    if x.size == 1 or np.ptp(x) == 0:
        return LatencyFit(Constant(float(x[0])), "constant", x.size, {}, False, p50, p95, p99)
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    held_back = x.size >= MIN_SPLIT
    if held_back:
        folds = np.array_split(rng.permutation(x.size), FOLDS)
        splits = [(x[np.setdiff1d(np.arange(x.size), f)], x[f]) for f in folds]
    else:
        splits = [(x, x)]
    families = _FAMILIES if held_back else {k: v for k, v in _FAMILIES.items() if k != "empirical"}
    ks = {name: float(np.mean([_ks(make(tr), te) for tr, te in splits])) for name, make in families.items()}
    best = min(ks, key=lambda k: (ks[k], list(_FAMILIES).index(k)))  # ties go to the parametric family
    return LatencyFit(_FAMILIES[best](x), best, x.size, ks, held_back, p50, p95, p99)


def _lognormal(x: FloatArray) -> Latency:
    logs = np.log(np.maximum(x, _FLOOR_MS))
    return LogNormal(float(np.exp(logs.mean())), min(max(float(logs.std(ddof=1)), 1e-6), MAX_SIGMA))


def _gamma(x: FloatArray) -> Latency:
    """Gamma by maximum likelihood; a near-constant sample (sleeps of 500 ms +- 0.05%) fits a shape past
    what a scenario may state, so the shape stops at the ceiling and the scale keeps the fitted mean."""
    shape, _, scale = stats.gamma.fit(np.maximum(x, _FLOOR_MS), floc=0)
    if shape > MAX_SHAPE:
        shape, scale = MAX_SHAPE, shape * scale / MAX_SHAPE
    return Gamma(float(shape), float(scale))


def _empirical(x: FloatArray) -> Latency:
    return Empirical(tuple(float(v) for v in x))


_FAMILIES: dict[str, Callable[[FloatArray], Latency]] = {
    "lognormal": _lognormal,
    "gamma": _gamma,
    "empirical": _empirical,
}


def _ks(dist: Latency, test: FloatArray) -> float:
    if isinstance(dist, Empirical):
        return float(stats.ks_2samp(test, np.asarray(dist.values_ms)).statistic)
    if isinstance(dist, LogNormal):
        frozen = stats.lognorm(s=dist.sigma, scale=dist.median_ms)
    else:
        assert isinstance(dist, Gamma)
        frozen = stats.gamma(a=dist.shape, scale=dist.scale_ms)
    return float(stats.kstest(test, frozen.cdf).statistic)
