"""experiments.md, rendered from plain data: the document's frequent errors measured, one table per
experiment, each row one executor configuration (an arm) and its records."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports._schema import CALL_STATUSES, TrialRecord


@dataclass(frozen=True, slots=True)
class ArmOutcome:
    """One arm's trials: its label, a note on its guards, its records and the server's 429s per trial."""

    label: str
    note: str
    records: tuple[TrialRecord, ...]
    rejected: tuple[int, ...]

    def calls(self) -> int:
        return sum(len(r.calls) for r in self.records)

    def count(self, status: str) -> int:
        return sum(1 for r in self.records for c in r.calls if c.status == status)

    def matching(self, text: str) -> int:
        return sum(1 for r in self.records for c in r.calls if c.error and text in c.error)

    def extra_attempts(self) -> int:
        return sum(max(0, c.attempts - 1) for r in self.records for c in r.calls)

    def per_run(self, total: int) -> str:
        """A count over the arm's runs as a mean per run (an arm of no runs: ``–``)."""
        return _number(total / len(self.records)) if self.records else "–"

    def makespan_ms(self) -> float:
        return statistics.median(r.makespan_s / r.time_scale * 1000 for r in self.records)

    def efficiency(self) -> float:
        return statistics.median(r.lower_bound_s / r.makespan_s for r in self.records if r.makespan_s > 0)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "–"


def _number(x: float) -> str:
    """A mean count: whole numbers as such, else two significant decimals at most (0.05, 1.25 -> 1.2)."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.2f}".rstrip("0")


#: Every count in the page is per run (the mean over an arm's runs), as the document states its errors
#: ("100 calls ... 90 errors 429"): a per-run count beside a total over ten runs read as 10x the other.
#: Their headers say so (``_columns``); rates, makespans and efficiency are over the runs as named.
COUNTS: dict[str, Callable[[ArmOutcome], object]] = {
    "calls": lambda o: o.per_run(o.calls()),
    "extra attempts": lambda o: o.per_run(o.extra_attempts()),
    "429 answers": lambda o: _number(statistics.fmean(o.rejected)) if o.rejected else "–",
    "dependency not ready": lambda o: o.per_run(o.matching("dependency not ready")),
    **{s: (lambda o, s=s: o.per_run(o.count(s))) for s in CALL_STATUSES},  # type: ignore[misc]
}
#: what a column shows of one arm, by name; a call status (``ok``, ``error``, …) counts its calls per run
METRICS: dict[str, Callable[[ArmOutcome], object]] = {
    "arm": lambda o: o.label,
    "note": lambda o: o.note,
    "success rate": lambda o: _pct(o.count("ok"), o.calls()),
    "makespan ms": lambda o: f"{o.makespan_ms():.0f}",
    "efficiency": lambda o: f"{o.efficiency():.3f}",
    **COUNTS,
}


#: a table column: its header and the metric (a key of METRICS) it shows
Column = tuple[str, str]


def _columns(*spec: str | Column) -> tuple[Column, ...]:
    """Columns by metric name; a (header, metric) pair where the header differs. A count's header ends
    in "per run"."""
    pairs = [(c, c) if isinstance(c, str) else c for c in spec]
    return tuple((f"{h} per run" if m in COUNTS else h, m) for h, m in pairs)


_DEPS_INTRO = (
    "`threaded` and `asyncio` ignore `after`: a dependent starts at once and fails "
    '"dependency not ready" (its argument would be `user_id=???`); `levels` and `dag` wait.'
)
#: each experiment's scenario -> its heading, the lines before its table, and its columns
SECTIONS: dict[str, tuple[str, tuple[str, ...], tuple[Column, ...]]] = {
    "partial-failure": (
        "## Error 1: partial results (`partial-failure`: one API fine, one always 503, one hangs 5 s)",
        ("Every executor returns one result per call; the failing and the hung call never hide the good one.",),
        _columns("arm", ("guards", "note"), "ok", "error", "fallback", "abandoned", "timeout", "makespan ms"),
    ),
    **{
        name: (
            f"## Error 2: ignored dependencies (`{name}`)",
            (_DEPS_INTRO,),
            _columns("arm", "calls", "ok", "dependency not ready", "skipped", "makespan ms", "efficiency"),
        )
        for name in ("deps-chain", "deps-diamond")
    },
    "burst-429": (
        "## Error 3: rate limits (`burst-429`: 100 calls, quota 10 per second)",
        ('The document: "100 llamadas simultáneas ... Resultado: 90 errores 429".',),
        _columns(
            "arm", ("client", "note"), "429 answers", ("succeeded", "ok"), "success rate", "makespan ms",
            "efficiency",
        ),
    ),
    "flaky": (
        "## Retries on `flaky` (10 APIs, 5% of attempts fail)",
        (),
        _columns("arm", ("retries", "note"), "calls", "ok", "success rate", "extra attempts", "makespan ms"),
    ),
}  # fmt: skip


def _section(scenario: str, arms: Sequence[ArmOutcome]) -> list[str]:
    heading, intro, columns = SECTIONS[scenario]
    header = [h for h, _ in columns]
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(str(METRICS[m](o)) for _, m in columns) + " |" for o in arms]
    return ["", heading, "", *([*intro, ""] if intro else []), *table]


def experiments_markdown(
    results: Sequence[tuple[str, Sequence[ArmOutcome]]],
    *,
    trials: int,
    flaky_trials: int,
    seed: int,
    time_scale: float,
) -> str:
    """experiments.md from each experiment's scenario (a key of SECTIONS) and its arms' outcomes."""
    parts = [
        "# Experiments: the document's frequent errors",
        "",
        f"{trials} trials per arm (flaky: {flaky_trials}), seed {seed}, time scale {time_scale}. Counts are "
        "per run (a trial: one turn), the mean over the arm's trials; the success rate is over all its "
        "calls. Times are document ms (medians over trials). Efficiency is lower bound / measured (median), "
        "the bound taken over the calls that succeeded (see docs/results-schema.md).",
    ]
    for scenario, arms in results:
        parts += _section(scenario, arms)
    return "\n".join([*parts, ""]) + "\n"
