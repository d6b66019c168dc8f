"""Guards as the user states them: document milliseconds, one value object, one conversion to the wall
seconds the executors apply (``executors.Guards``).

Why a second type beside ``Guards``: a run is described before its time scale and seed are applied, and
run.json records the settings as given (document ms), so a resumed run and a gate compare what the user
asked, not a product of the time scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from executors import Guards, RetryPolicy

#: base of the full-jitter backoff, document ms (``--backoff-ms``); its cap is ``CAP_FACTOR`` times that
BACKOFF_MS = 50.0
CAP_FACTOR = 32
#: the hedge delay of every tool not named in ``hedge_ms``
EVERY_TOOL = "*"


@dataclass(frozen=True, slots=True)
class GuardSpec:
    """Per-call guards in document milliseconds; ``scaled(time_scale, seed)`` gives the executors' ``Guards``.

    ============================================  =============================================================
    ``GuardSpec()``                               no guards (``active`` is False)
    ``GuardSpec(timeout_ms=300)``                 an attempt not done in 300 document ms ends as ``timeout``
    ``GuardSpec(deadline_ms=1000)``               the whole turn returns by 1000 document ms
    ``GuardSpec(retries=2)``                      up to 3 attempts; full-jitter backoff from 50 ms, cap 32x
    ``GuardSpec(retries=19, backoff_cap_ms=2e3)``  the backoff's cap set instead of 32x the base
    ``GuardSpec(retries=2, retry_budget=5)``      at most 5 extra attempts (retries and hedges) per turn
    ``GuardSpec(hedge_ms=(("db", 200),))``        a second copy of a ``db`` call after 200 ms
    ``GuardSpec(hedge_ms=(("*", 200),))``         the same for every tool not named
    ``GuardSpec(fallbacks=(("db", {}),))``        a failed ``db`` call reports ``fallback`` with value ``{}``
    ============================================  =============================================================

    At ``time_scale`` 0.1, ``GuardSpec(timeout_ms=300).scaled(0.1)`` is ``Guards(timeout_s=0.03)``.
    """

    timeout_ms: float | None = None
    deadline_ms: float | None = None
    #: extra attempts per call (0: none)
    retries: int = 0
    #: extra attempts (retries + hedges) per turn; None: no limit beyond ``retries``
    retry_budget: int | None = None
    backoff_ms: float = BACKOFF_MS
    #: None: ``CAP_FACTOR`` times ``backoff_ms``
    backoff_cap_ms: float | None = None
    #: (tool, delay) pairs; the tool ``"*"`` is every tool not named
    hedge_ms: tuple[tuple[str, float], ...] = ()
    #: (tool, value) pairs: what a failed call of the tool reports
    fallbacks: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        for name in ("timeout_ms", "deadline_ms", "backoff_cap_ms"):
            v = getattr(self, name)
            if v is not None and not (math.isfinite(v) and v > 0):
                raise ValueError(f"`{name}` must be > 0 milliseconds, got {v!r}")
        if self.retries < 0 or (self.retry_budget is not None and self.retry_budget < 0):
            raise ValueError("`retries` and `retry_budget` must be whole numbers >= 0")

    @property
    def active(self) -> bool:
        """Whether any guard is set (an inactive spec is recorded as no guards)."""
        return bool(
            self.timeout_ms or self.deadline_ms or self.retries or self.hedge_ms or self.fallbacks
        ) or (self.retry_budget is not None)

    def tools(self) -> dict[str, tuple[str, ...]]:
        """The tools each per-tool setting names, by setting (``"*"`` left out)."""
        return {
            "hedge_ms": tuple(t for t, _ in self.hedge_ms if t != EVERY_TOOL),
            "fallback": tuple(t for t, _ in self.fallbacks),
        }

    def scaled(self, time_scale: float, seed: int = 0) -> Guards:
        """These guards in wall seconds (``ms / 1000 * time_scale``), the jitter RNG seeded with ``seed``."""

        def wall(ms: float | None) -> float | None:
            return None if ms is None else ms / 1000 * time_scale

        hedge = dict(self.hedge_ms)
        default = hedge.pop(EVERY_TOOL, None)
        retry = None
        if self.retries:
            base = wall(self.backoff_ms) or 0.0
            cap = base * CAP_FACTOR if self.backoff_cap_ms is None else wall(self.backoff_cap_ms) or 0.0
            retry = RetryPolicy(attempts=self.retries + 1, base_s=base, cap_s=cap)
        return Guards(
            timeout_s=wall(self.timeout_ms),
            deadline_s=wall(self.deadline_ms),
            retry=retry,
            retry_budget=self.retry_budget,
            fallbacks=dict(self.fallbacks),
            hedge_s={t: ms / 1000 * time_scale for t, ms in hedge.items()},
            hedge_default_s=wall(default),
            seed=seed,
        )

    def as_json(self) -> dict[str, Any]:
        """The settings as given, for run.json (the form runs recorded before this type existed)."""
        d: dict[str, Any] = {
            "timeout_ms": self.timeout_ms,
            "deadline_ms": self.deadline_ms,
            "retries": self.retries,
            "retry_budget": self.retry_budget,
            "backoff_ms": self.backoff_ms,
            "hedge_ms": dict(self.hedge_ms),
            "fallbacks": dict(self.fallbacks),
        }
        if self.backoff_cap_ms is not None:  # absent from the older form, whose cap was always 32x
            d["backoff_cap_ms"] = self.backoff_cap_ms
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> GuardSpec:
        """The inverse of :meth:`as_json` (also reads run.json written before this type existed)."""
        return cls(
            timeout_ms=d.get("timeout_ms"),
            deadline_ms=d.get("deadline_ms"),
            retries=int(d.get("retries") or 0),
            retry_budget=d.get("retry_budget"),
            backoff_ms=float(d.get("backoff_ms", BACKOFF_MS)),
            backoff_cap_ms=d.get("backoff_cap_ms"),
            hedge_ms=_pairs(dict(d.get("hedge_ms") or {}).items()),
            fallbacks=tuple(dict(d.get("fallbacks") or {}).items()),
        )


def _pairs(items: Iterable[tuple[str, Any]]) -> tuple[tuple[str, float], ...]:
    return tuple((str(t), float(ms)) for t, ms in items)
