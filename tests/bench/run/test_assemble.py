"""bench.run builds every run: GuardSpec's one conversion, executor specs with their own or the run's
guards, the resolver hook for labels executors/ does not know, and closing what was built."""

from __future__ import annotations

import pytest

from bench.run import (
    AFC,
    RESOLVERS,
    ExecutorSpec,
    GuardSpec,
    RunConfig,
    RunError,
    assemble,
)
from executors import Executor, Guards, RetryPolicy, Sequential
from scenarios import load_catalog

DOC3 = load_catalog()["doc-3apis"]


def test_guard_spec_scales_document_ms_to_wall_seconds_once() -> None:
    """Every setting in ms becomes wall seconds at the time scale; retries get the 32x-capped backoff."""
    spec = GuardSpec(
        timeout_ms=300, deadline_ms=1000, retries=2, retry_budget=5, hedge_ms=(("get_time", 200), ("*", 400)),
        fallbacks=(("get_weather", {"t": 1}),),
    )  # fmt: skip
    g = spec.scaled(0.5, seed=3)  # halving is exact in binary: the figures compare equal
    assert g == Guards(
        timeout_s=0.15, deadline_s=0.5, retry=RetryPolicy(attempts=3, base_s=0.025, cap_s=0.8), retry_budget=5,
        fallbacks={"get_weather": {"t": 1}}, hedge_s={"get_time": 0.1}, hedge_default_s=0.2, seed=3,
    )  # fmt: skip
    assert GuardSpec(retries=1, backoff_cap_ms=2000).scaled(1.0).retry == RetryPolicy(2, 0.05, 2.0)


def test_guard_spec_reads_back_what_run_json_holds() -> None:
    """as_json is the flags' form (document ms) and from_json reads it back unchanged; none set: inactive."""
    spec = GuardSpec(timeout_ms=900, retries=1, hedge_ms=(("get_time", 250.0),), fallbacks=(("w", 1),))
    assert GuardSpec.from_json(spec.as_json()) == spec
    assert "backoff_cap_ms" not in spec.as_json()
    assert not GuardSpec().active and GuardSpec(retry_budget=0).active


def test_each_spec_runs_its_own_guards_else_the_runs() -> None:
    """A spec without guards takes the run's default; run.json then names each executor's guards."""
    own = ExecutorSpec("threaded", GuardSpec(timeout_ms=100), "threaded+timeout")
    config = RunConfig((DOC3,), ("sequential", own), time_scale=0.5, guards=GuardSpec(deadline_ms=500))
    assert config.wall_guards(own) == Guards(timeout_s=0.05, seed=7)
    assert config.wall_guards(config.specs[0]) == Guards(deadline_s=0.25, seed=7)
    assert config.labels == ("sequential", "threaded+timeout")
    assert set(config.guards_json() or {}) == {"sequential", "threaded+timeout"}
    with assemble(config) as parts:
        assert set(parts.executors) == {"sequential", "threaded+timeout"}
        assert parts.executors["threaded+timeout"].name == "threaded+timeout"


def test_the_afc_peer_is_predicted_sequential_and_built_by_no_one() -> None:
    """sdk-afc runs its own loop: no executor is built for it, its predictor is sequential."""
    with assemble(RunConfig((DOC3,), (AFC,))) as parts:
        assert parts.executors == {} and isinstance(parts.predictor(AFC), Sequential)


def test_unknown_labels_go_to_the_resolvers_then_fail_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A label executors/ refuses is offered to RESOLVERS in order; none taking it is a RunError."""
    built: list[str] = []

    def resolver(spec: ExecutorSpec, config: RunConfig, guards: Guards | None) -> Executor | None:
        built.append(spec.label)
        return Sequential(name=spec.name) if spec.label == "my-framework" else None

    monkeypatch.setattr("bench.run._assemble.RESOLVERS", [*RESOLVERS, resolver])
    with assemble(RunConfig((DOC3,), ("my-framework",))) as parts:
        assert parts.executors["my-framework"].name == "my-framework"
    with pytest.raises(RunError, match="`executor`: unknown executor 'nope'"):
        assemble(RunConfig((DOC3,), ("sequential", "nope")))
    assert built == ["my-framework", "nope"]


def test_a_guard_naming_no_tool_and_a_label_given_twice_are_refused() -> None:
    """A per-tool guard for a tool no scenario has, or two specs filed under one name: RunError."""
    with pytest.raises(RunError, match=r"`fallback` nope=\.\.\.: no scenario of this run has a tool .nope."):
        assemble(RunConfig((DOC3,), ("sequential",), guards=GuardSpec(fallbacks=(("nope", 1),))))
    with pytest.raises(RunError, match="given twice"):
        assemble(RunConfig((DOC3,), ("sequential", ExecutorSpec("threaded", alias="sequential"))))


def test_a_failed_assembly_closes_what_it_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Executors built before a failing one are closed, not leaked."""
    closed: list[str] = []

    class Tracked(Sequential):
        def close(self) -> None:
            closed.append(self.name)

    def make(label: str, **kw: object) -> Executor:
        if label == "boom":
            raise RuntimeError("boom")
        return Tracked(name=label)

    monkeypatch.setattr("bench.run._assemble.make_executor", make)
    with pytest.raises(RuntimeError):
        assemble(RunConfig((DOC3,), ("a", "b", "boom")))
    assert closed == ["a", "b"]
