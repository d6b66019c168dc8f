"""The candidate space: what is offered where."""

from __future__ import annotations

from bench.advise import Candidate, candidate_space, hedgeable
from bench.run import RunConfig, assemble
from scenarios import load_catalog
from tests.bench.advise.conftest import CHAIN, MIXED, QUOTA, scenario


def test_hedges_only_for_idempotent_tools() -> None:
    """A hedge copies only tools marked idempotent; the other tool is never hedged."""
    s = scenario(MIXED)
    assert hedgeable(s) == ("search",)
    hedged = [c for c in candidate_space(s, None) if c.hedge_ms]
    assert hedged and all(dict(c.hedge_ms).keys() == {"search"} for c in hedged)


def test_no_hedge_for_a_tool_under_a_quota() -> None:
    """An idempotent tool sharing a quota is not hedged: a copy would spend quota."""
    s = scenario(QUOTA)
    assert hedgeable(s) == ()
    assert not any(c.hedge_ms for c in candidate_space(s, None))


def test_dependencies_keep_only_dependency_aware_executors() -> None:
    """Where calls depend on each other, executors that ignore dependencies are no candidates."""
    names = {c.executor for c in candidate_space(scenario(CHAIN), None)}
    assert names == {"sequential", "dag", "levels"}


def test_max_workers_caps_the_pools() -> None:
    """--max-workers bounds every worker count and drops the unbounded executors."""
    cands = candidate_space(scenario(QUOTA), 2)
    assert all(c.workers is not None and c.workers <= 2 for c in cands if c.executor != "sequential")
    assert not any(c.executor in ("ratelimited", "adaptive") for c in cands)


def test_labels_are_unique_and_build() -> None:
    """Every candidate has its own label, and its executor is filed under it."""
    cands = candidate_space(scenario(MIXED), None)
    assert len({c.label for c in cands}) == len(cands)
    c = Candidate("threaded", 3, 900.0, 0.99, (("search", 200.0),), 0.95, 1)
    with assemble(RunConfig((scenario(MIXED),), (c.spec,), time_scale=0.01)) as parts:
        assert parts.executors[c.label].name == "threaded@3+hedge-p95+timeout-p99+retry1"
    g = c.guards.scaled(0.01)
    assert g.timeout_s == 900.0 / 1000 * 0.01 and g.hedge_s == {"search": 200.0 / 1000 * 0.01}


def test_independent_calls_get_every_executor_worker_count_and_guard() -> None:
    """Without dependencies all seven executors are searched, pools at each worker step up to the calls,
    hedges at p90/p95/p99 of the idempotent tool and timeouts at p99/p99.9 with 1 or 2 retries."""
    s = scenario(QUOTA)  # six calls, a quota: adaptive at several initial limits
    cands = candidate_space(s, None)
    assert {c.executor for c in cands} == {
        "sequential", "threaded", "asyncio", "batched", "ratelimited", "dag", "adaptive",
    }  # fmt: skip
    assert {c.workers for c in cands if c.executor == "threaded"} == {1, 2, 3, 4, 5, 6}
    assert {(c.timeout_q, c.retries) for c in cands if c.timeout_ms} == {
        (q, r) for q in (0.99, 0.999) for r in (1, 2)
    }
    hedged = candidate_space(scenario(MIXED), None)
    assert {c.hedge_q for c in hedged if c.hedge_ms} == {0.9, 0.95, 0.99}


def test_retries_alone_only_where_attempts_fail() -> None:
    """Retries without a timeout are offered where attempts fail (flaky), not where none does."""

    def bare(name: str) -> set[int]:
        return {c.retries for c in candidate_space(load_catalog()[name], 2) if c.timeout_ms is None}

    assert bare("flaky") == {0, 1, 2} and bare("doc-3apis") == {0}
