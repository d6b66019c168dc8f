"""Advice names what binds and says "keep what you have" when the recommendation is not better beyond its CI."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.advise import Measured
from bench.advise._binds import binds_sentence, keep_sentence
from reports import median_ci
from scenarios import load_catalog


def _m(label: str, values: np.ndarray) -> Measured:
    ci = median_ci(values)
    return Measured(
        label, tuple(values), float(np.median(values)), float(np.quantile(values, 0.95)), ci, ci, 0, 0, 0
    )


def test_keep_what_you_have_only_when_not_better_beyond_the_ci() -> None:
    """Same distribution: keep; 20% faster in every trial: no such sentence."""
    rng = np.random.default_rng(1)
    cur = _m("threaded@5", rng.normal(100, 5, 40))
    same = _m("asyncio", rng.normal(100, 5, 40))
    fast = _m("asyncio", rng.normal(80, 2, 40))
    text = keep_sentence("asyncio", "threaded@5", {"asyncio": same, "threaded@5": cur})
    assert text is not None and text.startswith("**Keep what you have**")
    assert keep_sentence("asyncio", "threaded@5", {"asyncio": fast, "threaded@5": cur}) is None
    assert keep_sentence("asyncio", None, {"asyncio": fast}) is None


def test_a_quota_scenario_names_the_quota_and_the_longest_first_saving(tmp_path: Path) -> None:
    """doc-10apis-ratelimited: the quota binds, and the sentence prices longest-first against list order."""
    text = binds_sentence(load_catalog()["doc-10apis-ratelimited"], "ratelimited", tmp_path)
    assert "**the quota**" in text and "longest calls first would save" in text
