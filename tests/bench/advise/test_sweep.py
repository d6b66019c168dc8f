"""The exhaustive sweep that checks a recommendation: the server's 429 answers are counted, retried ones too."""

from __future__ import annotations

from bench.advise import Candidate, sweep
from tests.bench.advise.conftest import QUOTA, scenario


def test_sweep_counts_the_servers_429_answers() -> None:
    """Six calls at once against 2 per window: a naive pool is answered 429 (its calls end so), an informed
    limiter never; adaptive retries its 429s, so its calls end well but the answers are still counted."""
    cands = [Candidate("threaded-naive", 6), Candidate("ratelimited"), Candidate("adaptive", 8)]
    got = sweep(scenario(QUOTA), cands, trials=2, seed=7, time_scale=0.05)
    naive, informed, adaptive = (got[c.label] for c in cands)
    assert naive.answered_429 is not None and naive.answered_429 >= 3 and naive.rate_limited >= 3
    assert informed.answered_429 == 0
    assert adaptive.answered_429 is not None and adaptive.answered_429 > 0 and adaptive.failed == 0
