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
from scenarios import Scenario, SimulatedAPI, load_catalog, make_plan


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
                box: list[dict[str, SimulatedAPI]] = []
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


def run_experiments(
    out: Path,
    *,
    trials: int = 5,
    seed: int = 7,
    time_scale: float = 0.05,
    progress: Callable[[str], None] = lambda _: None,
) -> Path:
    cat = load_catalog()
    out.mkdir(parents=True, exist_ok=True)
    ms = time_scale / 1000  # wall seconds per document millisecond
    parts = [
        "# Experiments: the document's frequent errors",
        "",
        f"{trials} trials per arm (flaky: {trials * 4}), seed {seed}, time scale {time_scale}. Times are "
        "document ms (medians over trials). Efficiency is lower bound / measured, the bound taken over the "
        "calls that succeeded (see docs/results-schema.md).",
    ]
    with ResultsWriter(out / "results.jsonl") as w:
        # Error 1: partial results
        res = _run_arms(
            cat["partial-failure"],
            [
                Arm("threaded", "threaded", note="no guards: waits for the hung call"),
                Arm("threaded+timeout", "threaded", Guards(timeout_s=1000 * ms), "timeout 1000 ms"),
                Arm(
                    "threaded+timeout+fallback",
                    "threaded",
                    Guards(timeout_s=1000 * ms, fallbacks={"get_stock_price": {"price": "N/A"}}),
                    "timeout 1000 ms, fallback for get_stock_price",
                ),
                Arm("asyncio+timeout", "asyncio", Guards(timeout_s=1000 * ms), "timeout 1000 ms, native async"),
            ],
            trials, seed, time_scale, w, progress,
        )  # fmt: skip
        parts += [
            "",
            "## Error 1: partial results (`partial-failure`: one API fine, one always 503, one hangs 5 s)",
            "",
            "Every executor returns one result per call; the failing and the hung call never hide the good one.",
            "",
            _table(
                ["arm", "guards", "ok", "error", "fallback", "abandoned", "timeout", "makespan ms"],
                [
                    [
                        o.arm.label,
                        o.arm.note,
                        o.count("ok"),
                        o.count("error"),
                        o.count("fallback"),
                        o.count("abandoned"),
                        o.count("timeout"),
                        f"{o.makespan_ms():.0f}",
                    ]
                    for o in res
                ],
            ),
        ]
        # Error 2: ignored dependencies
        dep_arms = [Arm(x, x) for x in ("threaded", "asyncio", "sequential", "levels", "dag")]
        for name in ("deps-chain", "deps-diamond"):
            res = _run_arms(cat[name], dep_arms, trials, seed, time_scale, w, progress)
            parts += [
                "",
                f"## Error 2: ignored dependencies (`{name}`)",
                "",
                "`threaded` and `asyncio` ignore `after`: a dependent starts at once and fails "
                '"dependency not ready" (its argument would be `user_id=???`); `levels` and `dag` wait.',
                "",
                _table(
                    ["arm", "calls", "ok", "dependency not ready", "skipped", "makespan ms", "efficiency"],
                    [
                        [
                            o.arm.label,
                            o.calls(),
                            o.count("ok"),
                            o.matching("dependency not ready"),
                            o.count("skipped"),
                            f"{o.makespan_ms():.0f}",
                            f"{o.efficiency():.3f}",
                        ]
                        for o in res
                    ],
                ),
            ]
        # Error 3: rate limits
        retry = Guards(retry=RetryPolicy(attempts=20, base_s=50 * ms, cap_s=2000 * ms), seed=seed)
        res = _run_arms(
            cat["burst-429"],
            [
                Arm("threaded-naive@100", "threaded-naive@100", note="burst, quota unknown"),
                Arm("threaded-naive@100+retry", "threaded-naive@100", retry, "burst + up to 19 retries"),
                Arm("ratelimited", "ratelimited", note="told the quota (exact limiter)"),
                Arm("adaptive", "adaptive", note="AIMD, quota unknown"),
            ],
            trials, seed, time_scale, w, progress,
        )  # fmt: skip
        parts += [
            "",
            "## Error 3: rate limits (`burst-429`: 100 calls, quota 10 per second)",
            "",
            'The document: "100 llamadas simultáneas ... Resultado: 90 errores 429".',
            "",
            _table(
                [
                    "arm",
                    "client",
                    "429 answers per run",
                    "succeeded",
                    "success rate",
                    "makespan ms",
                    "efficiency",
                ],
                [
                    [
                        o.arm.label,
                        o.arm.note,
                        f"{statistics.median(o.rejected):.0f}",
                        o.count("ok"),
                        _pct(o.count("ok"), o.calls()),
                        f"{o.makespan_ms():.0f}",
                        f"{o.efficiency():.3f}",
                    ]
                    for o in res
                ],
            ),
        ]
        # Retries on flaky
        res = _run_arms(
            cat["flaky"],
            [
                Arm("threaded", "threaded", note="no retries"),
                Arm(
                    "threaded+retry",
                    "threaded",
                    Guards(retry=RetryPolicy(attempts=3, base_s=50 * ms, cap_s=400 * ms), retry_budget=5, seed=seed),
                    "3 attempts, budget 5 extra per turn",
                ),
            ],
            trials * 4, seed, time_scale, w, progress,
        )  # fmt: skip
        parts += [
            "",
            "## Retries on `flaky` (10 APIs, 5% of attempts fail)",
            "",
            _table(
                ["arm", "retries", "calls", "ok", "success rate", "extra attempts", "makespan ms"],
                [
                    [
                        o.arm.label,
                        o.arm.note,
                        o.calls(),
                        o.count("ok"),
                        _pct(o.count("ok"), o.calls()),
                        o.extra_attempts(),
                        f"{o.makespan_ms():.0f}",
                    ]
                    for o in res
                ],
            ),
            "",
        ]
    path = out / "experiments.md"
    write_text_atomic(path, "\n".join(parts) + "\n")
    return path
