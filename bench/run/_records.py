"""The one author of results records: every path (a plain turn, a model session, the SDK's AFC, a load
query) hands what it measured to :func:`trial_record`, and every call becomes a :class:`CallRecord` here.

Times in records are wall seconds as run: a plan's document milliseconds times ``time_scale`` / 1000
(:func:`planned_s`), and call spans relative to ``t0``, the start of the record's timed region."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bench.run._measured import call_sources, measured_plan
from executors import CallResult
from reports import NO_SESSION, SIMULATED, CallRecord, Session, TrialRecord
from scenarios import PlannedCall, TrialPlan


def planned_s(call: PlannedCall, time_scale: float) -> float:
    """A planned call's first-attempt latency in wall seconds."""
    return call.latency_ms[0] / 1000 * time_scale


def call_record(
    r: CallResult,
    planned: PlannedCall | None,
    time_scale: float,
    t0: float,
    arrived_s: float | None = None,
    source: str = SIMULATED,
    *,
    wire_id: str | None = None,
) -> CallRecord:
    """One executor result; ``planned`` is the plan's call it answers (None: a call the plan never made);
    ``arrived_s``: when a streamed call's chunk arrived, relative to ``t0``; ``source``: the tool's kind;
    ``wire_id``: the id the model gave the call, if any."""
    return span_record(
        r.call.id,
        r.call.name,
        planned,
        time_scale,
        (r.start - t0, r.end - t0),
        r.status,
        error=r.error,
        attempts=r.attempts,
        wait_s=r.wait,
        arrived_s=arrived_s,
        source=source,
        wire_id=wire_id,
        tries=tuple((start - t0, status) for start, status in r.tries),
    )


def span_record(  # noqa: PLR0913  # the fields of the CallRecord it builds
    call_id: str,
    tool: str,
    planned: PlannedCall | None,
    time_scale: float,
    span: tuple[float, float],
    status: str,
    *,
    error: str | None = None,
    attempts: int = 1,
    wait_s: float = 0.0,
    arrived_s: float | None = None,
    source: str = SIMULATED,
    wire_id: str | None = None,
    tries: tuple[tuple[float, str], ...] = (),
) -> CallRecord:
    """One call seen only as a span (start, end relative to the record's start), e.g. inside the SDK.
    A real tool's call (``source`` not simulated) has no plan: its declared latency is only expected."""
    plan_s = planned_s(planned, time_scale) if planned is not None else 0.0
    real = source != SIMULATED
    return CallRecord(
        id=call_id,
        tool=tool,
        planned_latency_s=0.0 if real else plan_s,
        start_s=span[0],
        end_s=span[1],
        status=status,
        attempts=attempts,
        error=error,
        after=planned.after if planned is not None else (),
        wait_s=wait_s,
        arrived_s=arrived_s,
        source=source,
        expected_latency_s=plan_s if real and plan_s > 0 else None,
        wire_id=wire_id,
        attempt_starts_s=tuple(t for t, _ in tries),
        attempt_statuses=tuple(st for _, st in tries),
    )


def call_records(
    results: Iterable[CallResult],
    plan: TrialPlan,
    time_scale: float,
    t0: float,
    arrived: Mapping[str, float] | None = None,
    wire_ids: Mapping[str, str] | None = None,
) -> tuple[CallRecord, ...]:
    """Executor results matched to the plan's calls by id (``arrived``: call id -> arrival, streamed;
    ``wire_ids``: call id -> the id the model gave it on the wire, where it gave one)."""
    by_id: Mapping[str, PlannedCall] = {c.id: c for c in plan.calls}
    got, wire = arrived or {}, wire_ids or {}
    kinds = call_sources(plan)
    return tuple(
        call_record(
            r,
            by_id.get(r.call.id),
            time_scale,
            t0,
            got.get(r.call.id),
            kinds.get(r.call.name, SIMULATED),
            wire_id=wire.get(r.call.id),
        )
        for r in results
    )


def delivered_bound_s(plan: TrialPlan, completed: Mapping[str, int], time_scale: float) -> float:
    """The plan's lower bound in wall seconds held to the work delivered (``completed``: call id -> attempts
    of the calls that succeeded): a run that gave up on calls (429s of a naive burst, timeouts, skipped
    dependents, calls a model never asked for) is not reported as beating the impossible."""
    return plan.lower_bound_ms(completed) / 1000 * time_scale


def _with_unrequested(
    calls: Sequence[CallRecord], plan: TrialPlan, time_scale: float, at_s: float
) -> tuple[CallRecord, ...]:
    """``calls`` plus the plan's calls that never ran (a model ended its query without asking for them), as
    ``skipped`` at the query's end, in the plan's order: every record of a trial holds the same planned
    calls, so the design stays paired; calls the plan never made come last."""
    have = {c.id for c in calls}
    kinds = call_sources(plan)
    missing = [
        span_record(
            c.id,
            c.tool,
            c,
            time_scale,
            (at_s, at_s),
            "skipped",
            error="never requested by the model",
            source=kinds.get(c.tool, SIMULATED),
        )
        for c in plan.calls
        if c.id not in have
    ]
    if not missing:
        return tuple(calls)
    index = {c.id: i for i, c in enumerate(plan.calls)}
    return tuple(sorted([*calls, *missing], key=lambda c: index.get(c.id, len(index))))


def trial_record(  # noqa: PLR0913  # the fields of the TrialRecord it builds, keyword-only
    plan: TrialPlan,
    time_scale: float,
    *,
    executor: str,
    makespan_s: float,
    ideal_s: float,
    calls: Sequence[CallRecord],
    lower_bound_s: float | None = None,
    run_id: str = "",
    order: int = 0,
    model: str = "none",
    session: Session = NO_SESSION,
) -> TrialRecord:
    """The record of one (scenario, trial, executor[, mode]): the only place a TrialRecord is built.
    ``lower_bound_s`` defaults to the plan's bound over all its calls. The planned sum and max count
    simulated calls only: a real call has no plan (its record says what it measured)."""
    kinds = call_sources(plan)
    firsts = [planned_s(c, time_scale) for c in plan.calls if kinds.get(c.tool, SIMULATED) == SIMULATED]
    if lower_bound_s is None:
        lower_bound_s = plan.lower_bound_ms() / 1000 * time_scale
    return TrialRecord(
        run_id=run_id,
        scenario=plan.scenario.name,
        scenario_hash=plan.scenario.fingerprint(),
        executor=executor,
        trial=plan.trial,
        order=order,
        seed=plan.seed,
        time_scale=time_scale,
        makespan_s=makespan_s,
        lower_bound_s=lower_bound_s,
        ideal_s=ideal_s,
        planned_sum_s=sum(firsts),
        planned_max_s=max(firsts, default=0.0),
        calls=_with_unrequested(calls, plan, time_scale, makespan_s),
        model=model,
        session=session,
    )


def turn_record(  # noqa: PLR0913  # the fields of the TrialRecord it builds, keyword-only
    plan: TrialPlan,
    results: Sequence[CallResult],
    time_scale: float,
    *,
    executor: str,
    t0: float,
    makespan_s: float,
    ideal_s: float,
    run_id: str = "",
    order: int = 0,
    session: Session = NO_SESSION,
) -> TrialRecord:
    """One executor run of a plan's calls (a plain trial, or one query of a load run). The bound of real
    calls is their measured spans (``measured_plan``); ``ideal_s`` must be predicted on the same plan."""
    completed = {r.call.id: r.attempts for r in results if r.status == "ok"}
    return trial_record(
        plan,
        time_scale,
        executor=executor,
        makespan_s=makespan_s,
        lower_bound_s=delivered_bound_s(measured_plan(plan, results, time_scale), completed, time_scale),
        ideal_s=ideal_s,
        calls=call_records(results, plan, time_scale, t0),
        run_id=run_id,
        order=order,
        session=session,
    )
