"""What advise chose: the ordered predictions, the user's current configuration, the search and what the
confirmation run measured; the notes and the pages are both written from it."""

from __future__ import annotations

from dataclasses import dataclass

from bench.advise._confirm import Measured
from bench.advise._fast import Prediction
from bench.advise._search import Search


@dataclass(frozen=True, slots=True)
class Chosen:
    ordered: list[Prediction]
    current: Prediction | None
    search: Search
    measured: dict[str, Measured]
    trials: int
    elapsed_s: float
