"""The raw references: bare gather / bare pool on the plan, recorded like executors, never shorter than
planned, following the list-order admission schedule under a quota and the dependencies' real ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.run import planned_work, quotas_of
from bench.run._raw import RawReferences
from executors import schedule
from reports import RAW_LABELS, parse_record
from scenarios import load_catalog, make_plan

SCALE = 0.005  # 100-500 document ms are 0.5-2.5 wall ms: quick, yet far above the clock's resolution


@pytest.fixture(scope="module")
def refs() -> Iterator[RawReferences]:
    r = RawReferences()
    yield r
    r.close()


@pytest.mark.parametrize("label", RAW_LABELS)
@pytest.mark.parametrize("name", ["doc-3apis", "doc-10apis-ratelimited", "deps-diamond"])
def test_raw_reference_runs_the_plan_and_never_beats_it(refs: RawReferences, label: str, name: str) -> None:
    """Every call lasts at least its planned latency and starts no earlier than its list-order schedule
    (quota slots, dependencies' actual ends); the record round-trips through the results schema with the
    plan's call ids, planned latencies and the schedule's ideal."""
    plan = make_plan(load_catalog()[name], 1, 0)
    rec = refs.measure(label, plan, SCALE, run_id="r", order=3)
    assert parse_record(rec.to_json()) == rec
    assert rec.executor == label and rec.order == 3
    assert [c.id for c in rec.calls] == [c.id for c in plan.calls]
    spans = schedule(planned_work(plan, SCALE), quotas=quotas_of(plan.scenario, SCALE))
    assert rec.ideal_s == pytest.approx(max(e for _, e in spans))
    ends = {c.id: c.end_s for c in rec.calls}
    for c, (start, _) in zip(rec.calls, spans, strict=True):
        assert c.status == "ok" and c.attempts == 1
        assert c.end_s - c.start_s >= c.planned_latency_s
        assert c.start_s >= start - 1e-9
        assert all(c.start_s >= ends[a] for a in c.after)
    assert rec.makespan_s >= max(ends.values())
    assert rec.makespan_s >= rec.lower_bound_s


def test_unknown_reference_is_refused(refs: RawReferences) -> None:
    """A label that is not a raw reference is a programming error, named in the message."""
    with pytest.raises(ValueError, match="raw-nope"):
        refs.measure("raw-nope", make_plan(load_catalog()["doc-3apis"], 1, 0), SCALE)


def test_schedule_agrees_with_simulate() -> None:
    """schedule() is simulate() with the spans kept: same makespan, starts in list-order quota slots."""
    from executors import simulate

    plan = make_plan(load_catalog()["doc-10apis-ratelimited"], 1, 0)
    work, quotas = planned_work(plan, 1.0), quotas_of(plan.scenario, 1.0)
    spans = schedule(work, quotas=quotas)
    assert max(e for _, e in spans) == simulate(work, quotas=quotas)
    assert [round(s * 1000, 9) for s, _ in spans] == [0, 0, 200, 200, 400, 400, 600, 600, 800, 800]
