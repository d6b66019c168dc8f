"""The source document's three frequent errors, and retries on ``flaky``, as small measured experiments.

Writes ``results.jsonl`` (the usual records, labels such as ``threaded+retry``) and ``experiments.md`` (its
own markdown, independent of the report renderer) into one directory. Quick by default: a few trials at a
small time scale.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.run._runner import measure
from executors import Executor, Guards, RetryPolicy, make_executor
from reports import ResultsWriter, TrialRecord, write_text_atomic
from scenarios import Scenario, ToolApi, load_catalog, make_plan


@dataclass(frozen=True, slots=True)
class Arm:
    """One executor configuration of an experiment."""

    label: str
    executor: str
    guards: Guards | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    arm: Arm
    records: tuple[TrialRecord, ...]
    rejected: tuple[int, ...]  # server-side 429 answers per trial

    def calls(self) -> int:
        return sum(len(r.calls) for r in self.records)

    def count(self, status: str) -> int:
        return sum(1 for r in self.records for c in r.calls if c.status == status)

    def matching(self, text: str) -> int:
        return sum(1 for r in self.records for c in r.calls if c.error and text in c.error)

    def extra_attempts(self) -> int:
        return sum(max(0, c.attempts - 1) for r in self.records for c in r.calls)

    def makespan_ms(self) -> float:
        return statistics.median(r.makespan_s / r.time_scale * 1000 for r in self.records)

    def efficiency(self) -> float:
        return statistics.median(r.lower_bound_s / r.makespan_s for r in self.records if r.makespan_s > 0)


def _run_arms(
    scenario: Scenario,
    arms: Sequence[Arm],
    trials: int,
    *,
    seed: int,
    time_scale: float,
    writer: ResultsWriter,
    progress: Callable[[str], None],
) -> list[Outcome]:
    built: dict[str, Executor] = {
        a.label: make_executor(a.executor, time_scale=time_scale, guards=a.guards, name=a.label) for a in arms
    }
    recs: dict[str, list[TrialRecord]] = {a.label: [] for a in arms}
    rej: dict[str, list[int]] = {a.label: [] for a in arms}
    try:
        for a in arms:  # warm-up: pools started, lazy imports done, before anything is timed
            measure(make_plan(scenario, seed, 2_000_000), built[a.label], time_scale)
        for trial in range(trials):
            plan = make_plan(scenario, seed, trial)
            for pos, a in enumerate(arms):
                progress(f"{scenario.name} trial {trial} {a.label}")
                box: list[dict[str, ToolApi]] = []
                rec = measure(plan, built[a.label], time_scale, order=pos, on_tools=box.append)
                writer.write(rec)
                recs[a.label].append(rec)
                rej[a.label].append(
                    sum(1 for api in box[0].values() for e in api.log if e.outcome == "rate_limited")
                )
    finally:
        for ex in built.values():
            ex.close()
    return [Outcome(a, tuple(recs[a.label]), tuple(rej[a.label])) for a in arms]


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    return "\n".join(out)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "–"


#: a table column: its header and what it shows of one arm's outcome
Column = tuple[str, Callable[[Outcome], object]]
ARM: Column = ("arm", lambda o: o.arm.label)
CALLS: Column = ("calls", lambda o: o.calls())
OK: Column = ("ok", lambda o: o.count("ok"))
SUCCESS: Column = ("success rate", lambda o: _pct(o.count("ok"), o.calls()))
MAKESPAN: Column = ("makespan ms", lambda o: f"{o.makespan_ms():.0f}")
EFFICIENCY: Column = ("efficiency", lambda o: f"{o.efficiency():.3f}")


def _note(header: str) -> Column:
    return (header, lambda o: o.arm.note)


def _count(status: str) -> Column:
    return (status, lambda o: o.count(status))


@dataclass(frozen=True, slots=True)
class Experiment:
    """One section of experiments.md: a scenario, its arms, and the table of their outcomes."""

    scenario: str
    heading: str
    #: lines between the heading and the table
    intro: tuple[str, ...]
    arms: tuple[Arm, ...]
    columns: tuple[Column, ...]
    #: trials per arm, as a multiple of the run's
    trials_factor: int = 1

    def section(self, res: Sequence[Outcome]) -> list[str]:
        table = _table([h for h, _ in self.columns], [[f(o) for _, f in self.columns] for o in res])
        return ["", self.heading, "", *([*self.intro, ""] if self.intro else []), table]


def _partial_results(ms: float) -> Experiment:
    timeout = Guards(timeout_s=1000 * ms)
    fallback = Guards(timeout_s=1000 * ms, fallbacks={"get_stock_price": {"price": "N/A"}})
    return Experiment(
        "partial-failure",
        "## Error 1: partial results (`partial-failure`: one API fine, one always 503, one hangs 5 s)",
        ("Every executor returns one result per call; the failing and the hung call never hide the good one.",),
        (
            Arm("threaded", "threaded", note="no guards: waits for the hung call"),
            Arm("threaded+timeout", "threaded", timeout, "timeout 1000 ms"),
            Arm("threaded+timeout+fallback", "threaded", fallback, "timeout 1000 ms, fallback for get_stock_price"),
            Arm("asyncio+timeout", "asyncio", timeout, "timeout 1000 ms, native async"),
        ),
        (ARM, _note("guards"), OK, *map(_count, ("error", "fallback", "abandoned", "timeout")), MAKESPAN),
    )  # fmt: skip


def _ignored_dependencies(name: str) -> Experiment:
    return Experiment(
        name,
        f"## Error 2: ignored dependencies (`{name}`)",
        (
            "`threaded` and `asyncio` ignore `after`: a dependent starts at once and fails "
            '"dependency not ready" (its argument would be `user_id=???`); `levels` and `dag` wait.',
        ),
        tuple(Arm(x, x) for x in ("threaded", "asyncio", "sequential", "levels", "dag")),
        (
            ARM, CALLS, OK, ("dependency not ready", lambda o: o.matching("dependency not ready")),
            _count("skipped"), MAKESPAN, EFFICIENCY,
        ),
    )  # fmt: skip


def _rate_limits(ms: float, seed: int) -> Experiment:
    retry = Guards(retry=RetryPolicy(attempts=20, base_s=50 * ms, cap_s=2000 * ms), seed=seed)
    rejected: Column = ("429 answers per run", lambda o: f"{statistics.median(o.rejected):.0f}")
    return Experiment(
        "burst-429",
        "## Error 3: rate limits (`burst-429`: 100 calls, quota 10 per second)",
        ('The document: "100 llamadas simultáneas ... Resultado: 90 errores 429".',),
        (
            Arm("threaded-naive@100", "threaded-naive@100", note="burst, quota unknown"),
            Arm("threaded-naive@100+retry", "threaded-naive@100", retry, "burst + up to 19 retries"),
            Arm("ratelimited", "ratelimited", note="told the quota (exact limiter)"),
            Arm("adaptive", "adaptive", note="AIMD, quota unknown"),
        ),
        (ARM, _note("client"), rejected, ("succeeded", lambda o: o.count("ok")), SUCCESS, MAKESPAN, EFFICIENCY),
    )  # fmt: skip


def _flaky_retries(ms: float, seed: int) -> Experiment:
    retry = Guards(retry=RetryPolicy(attempts=3, base_s=50 * ms, cap_s=400 * ms), retry_budget=5, seed=seed)
    extra: Column = ("extra attempts", lambda o: o.extra_attempts())
    return Experiment(
        "flaky",
        "## Retries on `flaky` (10 APIs, 5% of attempts fail)",
        (),
        (
            Arm("threaded", "threaded", note="no retries"),
            Arm("threaded+retry", "threaded", retry, "3 attempts, budget 5 extra per turn"),
        ),
        (ARM, _note("retries"), CALLS, OK, SUCCESS, extra, MAKESPAN),
        trials_factor=4,
    )  # fmt: skip


def run_experiments(
    out: Path,
    *,
    trials: int = 5,
    seed: int = 7,
    time_scale: float = 0.05,
    progress: Callable[[str], None] = lambda _: None,
) -> Path:
    """Run every experiment into ``out/results.jsonl`` and write ``out/experiments.md``; returns its path."""
    cat = load_catalog()
    out.mkdir(parents=True, exist_ok=True)
    ms = time_scale / 1000  # wall seconds per document millisecond
    experiments = [
        _partial_results(ms),
        _ignored_dependencies("deps-chain"),
        _ignored_dependencies("deps-diamond"),
        _rate_limits(ms, seed),
        _flaky_retries(ms, seed),
    ]
    parts = [
        "# Experiments: the document's frequent errors",
        "",
        f"{trials} trials per arm (flaky: {trials * 4}), seed {seed}, time scale {time_scale}. Times are "
        "document ms (medians over trials). Efficiency is lower bound / measured, the bound taken over the "
        "calls that succeeded (see docs/results-schema.md).",
    ]
    with ResultsWriter(out / "results.jsonl") as w:
        for e in experiments:
            n = trials * e.trials_factor
            parts += e.section(
                _run_arms(
                    cat[e.scenario], e.arms, n, seed=seed, time_scale=time_scale, writer=w, progress=progress
                )
            )
    path = out / "experiments.md"
    write_text_atomic(path, "\n".join([*parts, ""]) + "\n")
    return path
