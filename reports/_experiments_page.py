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

    def makespan_ms(self) -> float:
        return statistics.median(r.makespan_s / r.time_scale * 1000 for r in self.records)

    def efficiency(self) -> float:
        return statistics.median(r.lower_bound_s / r.makespan_s for r in self.records if r.makespan_s > 0)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "–"


#: what a column shows of one arm, by name; a call status (``ok``, ``error``, …) counts its calls
METRICS: dict[str, Callable[[ArmOutcome], object]] = {
    "arm": lambda o: o.label,
    "note": lambda o: o.note,
    "calls": ArmOutcome.calls,
    "success rate": lambda o: _pct(o.count("ok"), o.calls()),
    "makespan ms": lambda o: f"{o.makespan_ms():.0f}",
    "efficiency": lambda o: f"{o.efficiency():.3f}",
    "extra attempts": ArmOutcome.extra_attempts,
    "429 answers per run": lambda o: f"{statistics.median(o.rejected):.0f}",
    "dependency not ready": lambda o: o.matching("dependency not ready"),
    **{s: (lambda o, s=s: o.count(s)) for s in CALL_STATUSES},  # type: ignore[misc]
}


@dataclass(frozen=True, slots=True)
class ExperimentSection:
    """One section: its heading, the lines before its table, the columns (header, metric) and the arms."""

    heading: str
    intro: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    arms: tuple[ArmOutcome, ...]

    def lines(self) -> list[str]:
        header = [h for h, _ in self.columns]
        table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        table += ["| " + " | ".join(str(METRICS[m](o)) for _, m in self.columns) + " |" for o in self.arms]
        return ["", self.heading, "", *([*self.intro, ""] if self.intro else []), *table]


def experiments_markdown(
    sections: Sequence[ExperimentSection], *, trials: int, flaky_trials: int, seed: int, time_scale: float
) -> str:
    """The whole experiments.md page."""
    parts = [
        "# Experiments: the document's frequent errors",
        "",
        f"{trials} trials per arm (flaky: {flaky_trials}), seed {seed}, time scale {time_scale}. Times are "
        "document ms (medians over trials). Efficiency is lower bound / measured, the bound taken over the "
        "calls that succeeded (see docs/results-schema.md).",
    ]
    for s in sections:
        parts += s.lines()
    return "\n".join([*parts, ""]) + "\n"
