"""Latency distributions in document milliseconds: sampling for plans, mean/quantile/cdf for theory.

Each distribution draws from an injected ``numpy.random.Generator`` so a (seed, trial) pair fixes every draw.
Continuous families delegate to frozen scipy distributions: their moments and quantiles are exact.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@runtime_checkable
class Latency(Protocol):
    """A non-negative latency distribution, in milliseconds."""

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray: ...
    def mean(self) -> float: ...
    def quantile(self, q: float) -> float: ...
    def cdf(self, x_ms: float) -> float: ...
    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class _Frozen:
    """Shared behaviour of distributions backed by a frozen scipy distribution."""

    def _dist(self) -> Any:  # a scipy rv_frozen; scipy ships no types
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return np.maximum(np.asarray(self._dist().rvs(size=n, random_state=rng), dtype=np.float64), 0.0)

    def mean(self) -> float:
        return float(_frozen(self).mean())

    def quantile(self, q: float) -> float:
        return float(_frozen(self).ppf(q))

    def cdf(self, x_ms: float) -> float:
        return float(_frozen(self).cdf(x_ms))


def _stats() -> Any:
    # scipy costs ~0.3-1 s to import: loaded on first use, so `pfcbench list` and `--help` stay light
    from scipy import stats

    return stats


def _optimize() -> Any:
    from scipy import optimize

    return optimize


@functools.lru_cache(maxsize=256)
def _frozen(d: _Frozen) -> Any:
    """Freezing a scipy distribution costs ~0.6 ms; theory integrates over CDFs thousands of times."""
    return d._dist()


@dataclass(frozen=True, slots=True)
class Constant:
    ms: float

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        del rng  # no randomness, but the draw count stays aligned with the other families
        return np.full(n, self.ms, dtype=np.float64)

    def mean(self) -> float:
        return self.ms

    def quantile(self, q: float) -> float:
        return self.ms

    def cdf(self, x_ms: float) -> float:
        return 1.0 if x_ms >= self.ms else 0.0

    def describe(self) -> str:
        return f"{self.ms:g} ms"


@dataclass(frozen=True, slots=True)
class Uniform(_Frozen):
    low_ms: float
    high_ms: float

    def _dist(self) -> Any:
        return _stats().uniform(loc=self.low_ms, scale=self.high_ms - self.low_ms)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.uniform(self.low_ms, self.high_ms, size=n)

    def describe(self) -> str:
        return f"U({self.low_ms:g}, {self.high_ms:g}) ms"


@dataclass(frozen=True, slots=True)
class Normal(_Frozen):
    """Normal truncated at 0 (a latency is never negative); mean_ms/sd_ms are the untruncated parameters."""

    mean_ms: float
    sd_ms: float

    def _dist(self) -> Any:
        a = (0.0 - self.mean_ms) / self.sd_ms
        return _stats().truncnorm(a, np.inf, loc=self.mean_ms, scale=self.sd_ms)

    def describe(self) -> str:
        return f"N({self.mean_ms:g}, {self.sd_ms:g}) ms truncated at 0"


@dataclass(frozen=True, slots=True)
class LogNormal(_Frozen):
    """Parametrised by the median and sigma of log-latency: p99/median = exp(2.326 * sigma)."""

    median_ms: float
    sigma: float

    def _dist(self) -> Any:
        return _stats().lognorm(s=self.sigma, scale=self.median_ms)

    def describe(self) -> str:
        return f"LogNormal(median {self.median_ms:g} ms, σ {self.sigma:g})"


@dataclass(frozen=True, slots=True)
class Gamma(_Frozen):
    shape: float
    scale_ms: float

    def _dist(self) -> Any:
        return _stats().gamma(a=self.shape, scale=self.scale_ms)

    def describe(self) -> str:
        return f"Gamma(k {self.shape:g}, θ {self.scale_ms:g} ms)"


@dataclass(frozen=True, slots=True)
class Pareto(_Frozen):
    """Heavy tail: minimum ``scale_ms``, tail index ``alpha`` (alpha <= 1 has no finite mean and is refused)."""

    scale_ms: float
    alpha: float

    def _dist(self) -> Any:
        return _stats().pareto(b=self.alpha, scale=self.scale_ms)

    def describe(self) -> str:
        return f"Pareto(min {self.scale_ms:g} ms, α {self.alpha:g})"


@dataclass(frozen=True, slots=True)
class Empirical:
    """Resamples observed latencies (e.g. from production logs) with replacement."""

    values_ms: tuple[float, ...]
    source: str = ""

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.choice(np.asarray(self.values_ms, dtype=np.float64), size=n, replace=True)

    def mean(self) -> float:
        return float(np.mean(self.values_ms))

    def quantile(self, q: float) -> float:
        # "inverted_cdf" is the quantile of the resampling distribution itself, which is what we sample.
        return float(np.quantile(np.asarray(self.values_ms), q, method="inverted_cdf"))

    def cdf(self, x_ms: float) -> float:
        arr = np.sort(np.asarray(self.values_ms))
        return float(np.searchsorted(arr, x_ms, side="right") / arr.size)

    def describe(self) -> str:
        where = f" from {self.source}" if self.source else ""
        return f"empirical ({len(self.values_ms)} values{where})"


@dataclass(frozen=True, slots=True)
class Mixture:
    """With probability weights[i], a draw comes from components[i] (e.g. 95% fast, 5% slow)."""

    weights: tuple[float, ...]
    components: tuple[Latency, ...]

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        # Draw the component index first, then every component's full vector: a fixed number of draws
        # per call keeps plans stable when one component's parameters change.
        idx = rng.choice(len(self.components), size=n, p=np.asarray(self.weights) / sum(self.weights))
        draws = np.stack([c.sample(rng, n) for c in self.components])
        return draws[idx, np.arange(n)]

    def mean(self) -> float:
        w = np.asarray(self.weights) / sum(self.weights)
        return float(sum(wi * c.mean() for wi, c in zip(w, self.components, strict=True)))

    def cdf(self, x_ms: float) -> float:
        w = np.asarray(self.weights) / sum(self.weights)
        return float(sum(wi * c.cdf(x_ms) for wi, c in zip(w, self.components, strict=True)))

    def quantile(self, q: float) -> float:
        lo = min(c.quantile(0.0) for c in self.components)
        hi = max(c.quantile(min(q + (1 - q) / 2, 1 - 1e-12)) for c in self.components)
        lo, hi = max(lo, 0.0), max(hi, lo + 1e-9)
        if self.cdf(lo) >= q:
            return lo
        return float(_optimize().brentq(lambda x: self.cdf(x) - q, lo, hi, xtol=1e-9))

    def describe(self) -> str:
        w = np.asarray(self.weights) / sum(self.weights)
        parts = [f"{wi:.0%} {c.describe()}" for wi, c in zip(w, self.components, strict=True)]
        return "mixture of " + " + ".join(parts)


def expected_max(latencies: Sequence[Latency]) -> float:
    """E[max] of independent latencies: ∫ (1 - Π F_i(x)) dx, integrated numerically from exact CDFs."""
    return _integrate_survival(lambda x: 1.0 - float(np.prod([d.cdf(x) for d in latencies])), latencies)


def max_quantile(latencies: Sequence[Latency], q: float) -> float:
    """The q-quantile of the max of independent latencies: solves Π F_i(x) = q."""
    lo = 0.0
    hi = max(d.quantile(1 - (1 - q) / (10 * len(latencies))) for d in latencies) + 1e-9
    if float(np.prod([d.cdf(lo) for d in latencies])) >= q:
        return lo
    return float(
        _optimize().brentq(lambda x: float(np.prod([d.cdf(x) for d in latencies])) - q, lo, hi, xtol=1e-6)
    )


def _integrate_survival(survival: Any, latencies: Sequence[Latency]) -> float:
    from scipy import integrate

    # Integrate up to a far quantile, then add the (tiny) tail above it; break points at each
    # distribution's quartiles keep quad accurate on steps (constants, empirical).
    top = max(d.quantile(1 - 1e-9) for d in latencies)
    points = sorted({d.quantile(p) for d in latencies for p in (0.0, 0.25, 0.5, 0.75)} - {0.0})
    points = [p for p in points if 0 < p < top]
    value, _ = integrate.quad(survival, 0.0, top, points=points or None, limit=400)
    return float(value)
