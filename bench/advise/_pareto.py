"""Which predictions are worth a look: the Pareto front, a ranking, and the pick under an SLO.

Objectives, all minimised: failed calls, 429s, p50 and p95 makespan, extra calls. A candidate whose
predictions equal a cheaper one's (``threaded@16`` on ten calls is ``threaded@10``) adds nothing and is
dropped before ranking.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.advise._fast import Prediction

#: two p50s (or p95s) within this fraction are a tie; the tie goes to the cheaper configuration
TIE = 0.03
#: two counts per turn closer than this are equal
COUNT_EPS = 0.01
#: at equal figures, the simpler executor is preferred (fewer moving parts)
SIMPLICITY = ("sequential", "threaded", "asyncio", "ratelimited", "batched", "dag", "levels", "adaptive")


def _objectives(p: Prediction) -> tuple[float, ...]:
    return (p.failed, p.rate_limited, p.p50_ms, p.p95_ms, p.extra_calls)


def cost_key(p: Prediction, calls: int) -> tuple[float, ...]:
    """Cheaper first: fewer extra calls, fewer workers, simpler executor, fewer guards."""
    c = p.candidate
    simple = SIMPLICITY.index(c.executor) if c.executor in SIMPLICITY else len(SIMPLICITY)
    guards = (c.hedge_q is not None) + (c.timeout_ms is not None) + c.retries
    return (round(p.extra_calls, 2), p.candidate.workers_used(calls), simple, guards)


def distinct(preds: Sequence[Prediction], calls: int) -> list[Prediction]:
    """One prediction per distinct outcome: the cheapest of candidates predicted identically."""
    best: dict[tuple[float, ...], Prediction] = {}
    for p in sorted(preds, key=lambda p: cost_key(p, calls)):
        key = (*(round(v, 6) for v in _objectives(p)), *(round(m, 6) for m in p.makespans_ms[:16]))
        best.setdefault(key, p)
    return list(best.values())


def pareto_front(preds: Sequence[Prediction]) -> list[Prediction]:
    """Predictions no other one beats on every objective (and strictly on one), by p50."""
    objs = [_objectives(p) for p in preds]

    def dominated(i: int) -> bool:
        a = objs[i]
        return any(
            all(x <= y for x, y in zip(b, a, strict=True)) and b != a for j, b in enumerate(objs) if j != i
        )

    return sorted((p for i, p in enumerate(preds) if not dominated(i)), key=lambda p: p.p50_ms)


def admissible(preds: Sequence[Prediction]) -> list[Prediction]:
    """Fewest failed calls first, then fewest 429s: a fast configuration that drops calls is no answer."""
    low = min(p.failed for p in preds)
    ok = [p for p in preds if p.failed <= low + COUNT_EPS]
    low429 = min(p.rate_limited for p in ok)
    return [p for p in ok if p.rate_limited <= low429 + COUNT_EPS]


def rank(preds: Sequence[Prediction], calls: int, top: int = 10) -> list[Prediction]:
    """Best first: among admissible candidates, those tied on p50 (within ``TIE``) are ordered by p95, and
    those tied on both by cost; the first ``top`` of them."""
    pool = sorted(admissible(preds), key=lambda p: (p.p50_ms, p.p95_ms))
    out: list[Prediction] = []
    while pool and len(out) < top:
        band = [p for p in pool if p.p50_ms <= pool[0].p50_ms * (1 + TIE)]
        best95 = min(p.p95_ms for p in band)
        pick = min((p for p in band if p.p95_ms <= best95 * (1 + TIE)), key=lambda p: cost_key(p, calls))
        out.append(pick)
        pool.remove(pick)
    return out


def meets_slo(preds: Sequence[Prediction], slo_p95_ms: float, calls: int) -> tuple[Prediction, bool]:
    """The cheapest admissible prediction with p95 within the SLO, and True; or the closest one, and False."""
    pool = admissible(preds)
    within = [p for p in pool if p.p95_ms <= slo_p95_ms]
    if within:
        return min(within, key=lambda p: (cost_key(p, calls), p.p95_ms)), True
    return min(pool, key=lambda p: p.p95_ms), False
