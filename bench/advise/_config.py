"""What ``advise`` is asked: a frozen config the CLI builds; nothing here sees argparse."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios import Scenario


class AdviseError(ValueError):
    """Advice that cannot be given as asked; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class AdviseConfig:
    scenario: Scenario
    out: Path
    #: the user's configuration, an executor label (``threaded@5``); None: compare with nothing
    current: str | None = None
    slo_p95_ms: float | None = None
    max_workers: int | None = None
    #: no model is in the loop of an advise run, so cost is $0 a turn and a budget never binds
    budget_usd: float | None = None
    #: wall seconds per document second of the confirmation runs (the search itself takes no wall time)
    time_scale: float = 0.05
    #: confirmation trials; None: 80 (a p95 change's interval needs 72) or fewer to keep it near 30 s
    trials: int | None = None
    seed: int = 7
    #: plans sampled for the search (None: 256, fewer for scenarios with many calls)
    plans: int | None = None
    #: how many of the best distinct configurations are confirmed besides the current one
    confirm: int = 3
    #: a framework executor (``langgraph``, ``adk``, ...): advice.md ends with the best configuration said in
    #: its settings and what it cannot do; ``conformance`` is a conformance.json read beforehand, or None
    framework: str | None = None
    conformance: Mapping[str, Any] | None = None
