"""One comparison of two runs, cell by cell (scenario × executor): the function ``pfcbench compare``,
``pfcbench gate --baseline`` and ``pfcbench history`` all judge with, so they cannot disagree.

Per cell shared by both runs, the makespan ratio candidate / baseline and its percentile-bootstrap CI:

- **paired** (per-trial ratios, their median) when every trial of both runs pairs up with the same seed
  and the cell's calls are all simulated: the same planned latencies, so the plan's spread cancels;
- **unpaired** (median over median, two-sample bootstrap) otherwise: different seeds or trials, or real
  tools, whose durations are measurements that no seed replays.

A cell **regresses** when the whole CI lies above ``1 + tolerance``: slower beyond the tolerance with the
stated confidence, never by chance alone. Each cell's resamples come from its own stream, seeded by
(seed, scenario, executor), so its interval does not depend on which other cells were compared.
The **minimum detectable slowdown** is the smallest slowdown that would fail with the spread this cell
showed: the tolerance plus the CI's lower half-width (how far the CI reaches below its point).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from reports._intervals import CI, make_rng, median_bootstrap_ci, none, ratio_of_quantiles_ci
from reports._policy import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_TOLERANCE, MIN_TEST_TRIALS
from reports._schema import TrialRecord

PAIRED, UNPAIRED = "paired", "unpaired"


@dataclass(frozen=True, slots=True)
class RegressionPolicy:
    """How a candidate is compared with a baseline: fail when the ``confidence`` CI of the median makespan
    ratio lies wholly above ``1 + tolerance``."""

    tolerance: float = DEFAULT_TOLERANCE
    confidence: float = DEFAULT_CONFIDENCE
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    scenarios: tuple[str, ...] = ("*",)
    executors: tuple[str, ...] = ("*",)

    def covers(self, scenario: str, executor: str) -> bool:
        return ("*" in self.scenarios or scenario in self.scenarios) and (
            "*" in self.executors or executor in self.executors
        )


@dataclass(frozen=True, slots=True)
class CellComparison:
    """Candidate vs baseline on one (scenario, executor); medians in wall seconds."""

    scenario: str
    executor: str
    mode: str
    n_base: int
    n_cand: int
    base_median_s: float
    cand_median_s: float
    #: candidate / baseline: the median per-trial ratio (paired) or the ratio of medians (unpaired)
    ratio: float
    ci: CI
    tolerance: float
    #: False when either run had fewer than MIN_TEST_TRIALS trials: shown, never failed
    tested: bool
    #: a real tool's own cell: its calls' durations (medians above are of those), not the makespan
    tool: str = ""

    @property
    def slower(self) -> bool:
        """Significantly slower: the CI lies wholly above 1."""
        return self.tested and self.ci.defined and self.ci.low > 1.0

    @property
    def faster(self) -> bool:
        return self.tested and self.ci.defined and self.ci.high < 1.0

    @property
    def regressed(self) -> bool:
        """Slower beyond the tolerance: the whole CI lies above ``1 + tolerance``."""
        return self.tested and self.ci.defined and self.ci.low > 1.0 + self.tolerance

    @property
    def min_detectable(self) -> float:
        """The smallest slowdown (a fraction: 0.12 = 12%) this cell's spread would let fail; NaN untested."""
        if not (self.tested and self.ci.defined):
            return math.nan
        return self.tolerance + max(0.0, self.ratio - self.ci.low)


def group(records: Iterable[TrialRecord]) -> dict[tuple[str, str], list[TrialRecord]]:
    """Records by (scenario, executor), in trial order."""
    out: dict[tuple[str, str], list[TrialRecord]] = {}
    for r in records:
        out.setdefault((r.scenario, r.executor), []).append(r)
    for rs in out.values():
        rs.sort(key=lambda r: r.trial)
    return out


def _paired(b: Sequence[TrialRecord], c: Sequence[TrialRecord]) -> list[tuple[float, float]] | None:
    """(base, candidate) makespans per trial, or None when the cell cannot be paired."""
    if any(call.real for r in (*b, *c) for call in r.calls):
        return None  # a real tool's duration is measured, not planned: no seed replays it
    bt = {r.trial: r for r in b}
    pairs = [
        (bt[r.trial].makespan_s, r.makespan_s) for r in c if r.trial in bt and bt[r.trial].seed == r.seed
    ]
    return pairs if len(pairs) == len(c) == len(b) else None


def compare_cell(
    base: Sequence[TrialRecord], cand: Sequence[TrialRecord], policy: RegressionPolicy
) -> CellComparison:
    """One cell: ``base`` and ``cand`` hold the records of the same (scenario, executor) of each run."""
    scenario, executor = cand[0].scenario, cand[0].executor
    rng = make_rng(policy.seed, scenario, executor, "comparison")
    bm = np.array([r.makespan_s for r in base], dtype=np.float64)
    cm = np.array([r.makespan_s for r in cand], dtype=np.float64)
    pairs = _paired(base, cand)
    tested = min(len(base), len(cand)) >= MIN_TEST_TRIALS
    if pairs is not None:
        ratios = np.array([c / b for b, c in pairs if b > 0], dtype=np.float64)
        ratio = float(np.median(ratios)) if ratios.size else math.nan
        ci = median_bootstrap_ci(ratios, rng, policy.resamples, policy.confidence) if tested else none()
    else:
        ratio = float(np.median(cm) / np.median(bm)) if np.median(bm) > 0 else math.nan
        ci = ratio_of_quantiles_ci(cm, bm, rng, policy.resamples, policy.confidence) if tested else none()
    return CellComparison(
        scenario, executor, PAIRED if pairs is not None else UNPAIRED, len(base), len(cand),
        float(np.median(bm)), float(np.median(cm)), ratio, ci, policy.tolerance, tested,
    )  # fmt: skip


def _tool_spans(records: Sequence[TrialRecord]) -> dict[str, list[float]]:
    """A real tool's ok calls' durations (wall s) over ``records``, by tool."""
    out: dict[str, list[float]] = {}
    for r in records:
        for c in r.calls:
            if c.real and c.status == "ok":
                out.setdefault(c.tool, []).append(c.end_s - c.start_s)
    return out


def compare_tools(
    base: Sequence[TrialRecord], cand: Sequence[TrialRecord], policy: RegressionPolicy
) -> list[CellComparison]:
    """Each real tool of one (scenario, executor) cell, its call durations compared unpaired: a tool that got
    30% slower shows as 1.3 here even where another call hides it from the makespan."""
    scenario, executor = cand[0].scenario, cand[0].executor
    tb, tc = _tool_spans(base), _tool_spans(cand)
    out = []
    for tool, c_spans in tc.items():
        b = np.asarray(tb.get(tool, []), dtype=np.float64)
        c = np.asarray(c_spans, dtype=np.float64)
        if not b.size:
            continue
        tested = min(b.size, c.size) >= MIN_TEST_TRIALS
        rng = make_rng(policy.seed, scenario, executor, tool, "comparison")
        ci = ratio_of_quantiles_ci(c, b, rng, policy.resamples, policy.confidence) if tested else none()
        ratio = float(np.median(c) / np.median(b)) if np.median(b) > 0 else math.nan
        medians = (float(np.median(b)), float(np.median(c)))
        n = (int(b.size), int(c.size))
        out.append(
            CellComparison(
                scenario, executor, UNPAIRED, *n, *medians, ratio, ci, policy.tolerance, tested, tool
            )
        )
    return out


def compare_cells(
    base: Sequence[TrialRecord],
    cand: Sequence[TrialRecord],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    cells: Callable[[str, str], bool] | None = None,
) -> list[CellComparison]:
    """Every (scenario, executor) both runs hold (``cells`` may narrow them), in the candidate's order, each
    followed by its real tools' own cells (``CellComparison.tool``). Pass executor records only
    (``reports.is_raw`` labels are references, not executors)."""
    policy = RegressionPolicy(tolerance, confidence, resamples, seed)
    return judge_cells(base, cand, policy, cells or policy.covers)


def judge_cells(
    base: Sequence[TrialRecord],
    cand: Sequence[TrialRecord],
    policy: RegressionPolicy,
    cells: Callable[[str, str], bool],
) -> list[CellComparison]:
    """``compare_cells`` under a policy (the gate's, or one built from compare's flags)."""
    gb, gc = group(base), group(cand)
    out: list[CellComparison] = []
    for key in gc:
        if key in gb and cells(*key):
            out.append(compare_cell(gb[key], gc[key], policy))
            out += compare_tools(gb[key], gc[key], policy)
    return out
