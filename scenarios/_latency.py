"""Latency distributions in document milliseconds: sampling for plans, mean/quantile/cdf for theory.

Each distribution draws from an injected ``numpy.random.Generator`` so a (seed, trial) pair fixes every draw.
Continuous families delegate to frozen scipy distributions: their moments and quantiles are exact.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

from scenarios._np import np

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray: TypeAlias = npt.NDArray[np.float64]


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


#: the distributions whose TOML table is ``dist`` plus their fields (``{dist = "gamma", shape = 2, scale_ms = 50}``);
#: the loader reads and the dumper writes them through this one table
PARAMETRIC: dict[str, type[Any]] = {
    "constant": Constant,
    "uniform": Uniform,
    "normal": Normal,
    "lognormal": LogNormal,
    "gamma": Gamma,
    "pareto": Pareto,
}


def tail_ms(lat: Latency) -> float:
    """About the 99.9th percentile (an upper estimate), in closed form: ``list`` must not import scipy."""
    match lat:
        case Constant(ms=ms):
            return ms
        case Uniform(high_ms=high):
            return high
        case Normal(mean_ms=mean, sd_ms=sd):
            return mean + 4 * sd  # truncation at 0 lifts the quantiles of a wide one; 4 sd covers it
        case LogNormal(median_ms=median, sigma=sigma):
            return median * math.exp(3.1 * sigma)
        case Gamma(shape=k, scale_ms=theta):
            return theta * (k + 7 * math.sqrt(k) + 7)  # mean + 7 sd, + 7 scales for a small shape
        case Pareto(scale_ms=xm, alpha=alpha):
            return float(xm * 1000 ** (1 / alpha))
        case Empirical(values_ms=values):
            return max(values)
        case Mixture(components=parts):
            return max(tail_ms(p) for p in parts)
    return 0.0


def _grouped(
    latencies: Sequence[Latency], shifts: Sequence[float] | None = None
) -> list[tuple[Latency, float, int]]:
    """Equal (distribution, shift) pairs with their multiplicity: Π F_i is Π F_g^k, one CDF evaluation per
    group (a 100-call fan-out of one distribution costs one CDF, not 100; equal inputs, equal figures)."""
    groups: dict[tuple[Latency, float], int] = {}
    for d, s in zip(latencies, shifts if shifts is not None else [0.0] * len(latencies), strict=True):
        groups[(d, float(s))] = groups.get((d, float(s)), 0) + 1
    return [(d, s, k) for (d, s), k in groups.items()]


def _prod_cdf(groups: Sequence[tuple[Latency, float, int]], x: float) -> float:
    return float(np.prod([d.cdf(x - s) ** k for d, s, k in groups]))


def _shifted_prod_cdf(groups: Sequence[tuple[Latency, float, int]]) -> Any:
    """x -> Π F_i(x - s_i) with one vectorised CDF evaluation per distinct distribution."""
    by_dist: dict[Latency, tuple[list[float], list[int]]] = {}
    for d, s, k in groups:
        by_dist.setdefault(d, ([], []))[0].append(s)
        by_dist[d][1].append(k)
    arrays = [(d, np.asarray(s), np.asarray(k)) for d, (s, k) in by_dist.items()]
    return lambda x: float(np.prod([np.prod(cdf_grid(d, x - s) ** k) for d, s, k in arrays]))


def expected_max(latencies: Sequence[Latency], shifts_ms: Sequence[float] | None = None) -> float:
    """E[max] of independent latencies, each started ``shifts_ms[i]`` late (default 0): ∫ (1 - Π F_i(x -
    s_i)) dx, integrated numerically from exact CDFs."""
    groups = _grouped(latencies, shifts_ms)
    prod = _prod_cdf if len(groups) <= 4 else None
    f = (lambda x: 1.0 - _prod_cdf(groups, x)) if prod else _survival(_shifted_prod_cdf(groups))
    return _integrate_survival(f, groups)


def _survival(prod: Any) -> Any:
    return lambda x: 1.0 - prod(x)


def max_quantile(latencies: Sequence[Latency], q: float) -> float:
    """The q-quantile of the max of independent latencies: solves Π F_i(x) = q."""
    groups = _grouped(latencies)
    lo = 0.0
    hi = max(d.quantile(1 - (1 - q) / (10 * len(latencies))) for d, _, _ in groups) + 1e-9
    if _prod_cdf(groups, lo) >= q:
        return lo
    return float(_optimize().brentq(lambda x: _prod_cdf(groups, x) - q, lo, hi, xtol=1e-6))


def _integrate_survival(survival: Any, groups: Sequence[tuple[Latency, float, int]]) -> float:
    from scipy import integrate

    # Integrate up to a far quantile, then add the (tiny) tail above it; break points at each
    # distribution's quartiles keep quad accurate on steps (constants, empirical).
    top = max(d.quantile(1 - 1e-9) + s for d, s, _ in groups)
    points = sorted({d.quantile(p) + s for d, s, _ in groups for p in (0.0, 0.25, 0.5, 0.75)} - {0.0})
    points = [p for p in points if 0 < p < top]
    # tolerances of 1e-7 of the range: quad's defaults (1.5e-8 ms absolute) sit at float roundoff on a
    # kinked CDF (a uniform's ends) and warn there, for figures printed to 0.1 ms
    tol = top * 1e-7
    value, _ = integrate.quad(survival, 0.0, top, points=points or None, limit=400, epsabs=tol, epsrel=1e-7)
    return float(value)


def cdf_grid(d: Latency, xs: FloatArray) -> FloatArray:
    """``d.cdf`` at every point of ``xs`` at once (theory evaluates CDFs on grids of 10^5 points)."""
    if isinstance(d, _Frozen):
        return np.asarray(_frozen(d).cdf(xs), dtype=np.float64)
    if isinstance(d, Constant):
        return (xs >= d.ms).astype(np.float64)
    if isinstance(d, Empirical):
        arr = np.sort(np.asarray(d.values_ms, dtype=np.float64))
        return np.searchsorted(arr, xs, side="right") / arr.size
    if isinstance(d, Mixture):
        w = np.asarray(d.weights, dtype=np.float64) / sum(d.weights)
        return np.asarray(sum(wi * cdf_grid(c, xs) for wi, c in zip(w, d.components, strict=True)))
    return np.array([d.cdf(float(x)) for x in xs], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class SumQuantiles:
    """Quantiles of a sum of independent latencies; each lies within ``error_ms`` of the exact value."""

    values_ms: tuple[float, ...]
    error_ms: float


#: grid cells for the distribution of a sum: the quantile error is n_calls * span / cells / 2
SUM_GRID_CELLS = 1 << 17


def sum_quantiles(latencies: Sequence[Latency], qs: Sequence[float]) -> SumQuantiles:
    """Quantiles of the sum of independent latencies by numerical convolution of their exact CDFs.

    Each latency's mass in a grid cell ``(x - h, x]`` is put on ``x`` (from CDF differences, so steps of
    constants and empirical values are exact); the pmfs are convolved by FFT. Every value is rounded up by
    less than ``h``, so the rounded sum's quantile is at most ``n*h`` above the true one: the estimate is
    that quantile minus ``n*h/2``, within ``n*h/2``. The grid stops at ``Σ F_i⁻¹(1 - (1-q)/n)``, which the
    sum exceeds with probability at most 1 - q (union bound), so no quantile asked for falls past it."""
    if not latencies or not qs:
        return SumQuantiles(tuple(0.0 for _ in qs), 0.0)
    from scipy import signal

    n = len(latencies)
    q_top = max(qs)
    top = sum(d.quantile(1 - (1 - q_top) / n) for d in latencies) * 1.01 + 1e-9
    h = top / SUM_GRID_CELLS
    edges = h * np.arange(SUM_GRID_CELLS + 1, dtype=np.float64)

    def conv(a: FloatArray, b: FloatArray) -> FloatArray:
        # truncating at the grid's top is exact below it: latencies are never negative
        return np.asarray(
            np.clip(signal.fftconvolve(a, b)[: SUM_GRID_CELLS + 1], 0.0, None), dtype=np.float64
        )

    pmf = np.zeros(SUM_GRID_CELLS + 1)
    pmf[0] = 1.0
    for d, _, count in _grouped(latencies):
        p = np.diff(cdf_grid(d, edges), prepend=0.0)
        k = count
        while k:  # the k-fold convolution by squaring: log2(k) convolutions, not k
            if k & 1:
                pmf = conv(pmf, p)
            k >>= 1
            if k:
                p = conv(p, p)
    cdf = np.cumsum(pmf)
    out = []
    for q in qs:
        k = int(np.searchsorted(cdf, q - 1e-12, side="left"))
        out.append(max(0.0, k * h - n * h / 2))
    return SumQuantiles(tuple(out), n * h / 2)
