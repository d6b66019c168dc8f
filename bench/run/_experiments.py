"""The source document's three frequent errors, and retries on ``flaky``, as small measured experiments.

Writes ``results.jsonl`` (the usual records, labels such as ``threaded+retry``) and ``experiments.md``
(rendered by ``reports.experiments_markdown``) into one directory. Quick by default: a few trials at a
small time scale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.run._assemble import assemble
from bench.run._config import ExecutorSpec, RunConfig
from bench.run._guardspec import GuardSpec
from bench.run._runner import measure
from reports import ArmOutcome, ResultsWriter, TrialRecord, experiments_markdown, write_text_atomic
from scenarios import Scenario, ToolApi, load_catalog, make_plan


@dataclass(frozen=True, slots=True)
class Arm:
    """One executor configuration of an experiment."""

    label: str
    executor: str
    guards: GuardSpec | None = None
    note: str = ""

    @property
    def spec(self) -> ExecutorSpec:
        return ExecutorSpec(self.executor, self.guards, self.label)


def _run_arms(
    scenario: Scenario,
    arms: Sequence[Arm],
    trials: int,
    *,
    seed: int,
    time_scale: float,
    writer: ResultsWriter,
    progress: Callable[[str], None],
) -> tuple[ArmOutcome, ...]:
    config = RunConfig((scenario,), tuple(a.spec for a in arms), trials, seed, time_scale)
    recs: dict[str, list[TrialRecord]] = {a.label: [] for a in arms}
    rej: dict[str, list[int]] = {a.label: [] for a in arms}
    with assemble(config) as parts:
        built = parts.executors
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
    return tuple(ArmOutcome(a.label, a.note, tuple(recs[a.label]), tuple(rej[a.label])) for a in arms)


@dataclass(frozen=True, slots=True)
class Experiment:
    """One experiment: a scenario and its arms (``reports.experiments_markdown`` titles its table)."""

    scenario: str
    arms: tuple[Arm, ...]
    #: trials per arm, as a multiple of the run's
    trials_factor: int = 1


def _partial_results() -> Experiment:
    timeout = GuardSpec(timeout_ms=1000)
    fallback = GuardSpec(timeout_ms=1000, fallbacks=(("get_stock_price", {"price": "N/A"}),))
    return Experiment("partial-failure", (
        Arm("threaded", "threaded", note="no guards: waits for the hung call"),
        Arm("threaded+timeout", "threaded", timeout, "timeout 1000 ms"),
        Arm("threaded+timeout+fallback", "threaded", fallback, "timeout 1000 ms, fallback for get_stock_price"),
        Arm("asyncio+timeout", "asyncio", timeout, "timeout 1000 ms, native async"),
    ))  # fmt: skip


def _ignored_dependencies(name: str) -> Experiment:
    return Experiment(name, tuple(Arm(x, x) for x in ("threaded", "asyncio", "sequential", "levels", "dag")))


def _rate_limits() -> Experiment:
    retry = GuardSpec(retries=19, backoff_ms=50, backoff_cap_ms=2000)
    return Experiment("burst-429", (
        Arm("threaded-naive@100", "threaded-naive@100", note="burst, quota unknown"),
        Arm("threaded-naive@100+retry", "threaded-naive@100", retry, "burst + up to 19 retries"),
        Arm("ratelimited", "ratelimited", note="told the quota (exact limiter)"),
        Arm("adaptive", "adaptive", note="AIMD, quota unknown"),
    ))  # fmt: skip


def _flaky_retries() -> Experiment:
    retry = GuardSpec(retries=2, retry_budget=5, backoff_ms=50, backoff_cap_ms=400)
    arms = (
        Arm("threaded", "threaded", note="no retries"),
        Arm("threaded+retry", "threaded", retry, "3 attempts, budget 5 extra per turn"),
    )
    return Experiment("flaky", arms, trials_factor=4)


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
    experiments = [
        _partial_results(),
        _ignored_dependencies("deps-chain"),
        _ignored_dependencies("deps-diamond"),
        _rate_limits(),
        _flaky_retries(),
    ]
    results: list[tuple[str, tuple[ArmOutcome, ...]]] = []
    with ResultsWriter(out / "results.jsonl") as w:
        for e in experiments:
            n = trials * e.trials_factor
            res = _run_arms(
                cat[e.scenario], e.arms, n, seed=seed, time_scale=time_scale, writer=w, progress=progress
            )
            results.append((e.scenario, res))
    path = out / "experiments.md"
    page = experiments_markdown(
        results, trials=trials, flaky_trials=trials * 4, seed=seed, time_scale=time_scale
    )
    write_text_atomic(path, page)
    return path
