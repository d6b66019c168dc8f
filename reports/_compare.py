"""``compare_runs(base_dir, new_dir)``: did a change make anything faster or slower?

Every cell the two runs share is judged by ``reports._comparison.compare_cells``, the function the gate
uses, so ``compare`` and ``gate --baseline`` agree cell by cell: paired per trial when the runs share seed
and plans, unpaired otherwise; a ratio whose CI excludes 1 is marked, and a cell the gate would fail says
so. Runs of different scenario definitions or time scales measure different things, so they are refused
rather than compared.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from reports._comparison import compare_cells
from reports._frames import load_run
from reports._policy import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_TOLERANCE
from reports._schema import TrialRecord


class IncomparableRunsError(ValueError):
    """The two runs measured different things (scenario definition or time scale differ)."""


def _one(values: set[object], what: str, scenario: str, which: str) -> object:
    if len(values) != 1:
        raise IncomparableRunsError(f"{which} run has {len(values)} {what} values for scenario {scenario!r}")
    return next(iter(values))


#: executors renamed since older runs, compared under their current label
RENAMED = {"sdk-afc": "genai-afc"}


def _renamed(records: Sequence[TrialRecord]) -> list[TrialRecord]:
    """``records`` filed under today's labels (an old run's ``sdk-afc`` as ``genai-afc``)."""
    return [
        dataclasses.replace(r, executor=RENAMED[r.executor]) if r.executor in RENAMED else r for r in records
    ]


def compare_runs(
    base_dir: str | Path,
    new_dir: str | Path,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    tolerance: float = DEFAULT_TOLERANCE,
    confidence: float = DEFAULT_CONFIDENCE,
) -> str:
    """A markdown table per (scenario, executor) present in both runs: medians, ratio new/base, CI, verdict."""
    base, new = load_run(base_dir), load_run(new_dir)
    bt, nt = base.trials, new.trials
    shared = [s for s in dict.fromkeys(str(x) for x in bt["scenario"]) if s in set(nt["scenario"])]
    for sc in shared:
        _check_scenario(bt, nt, sc)
    lines = [
        f"# Comparison: `{base.meta.get('run_id', Path(base_dir).name)}` (base) → "
        f"`{new.meta.get('run_id', Path(new_dir).name)}` (new)",
        "",
        f"Ratio = new / base of the makespan: the median per-trial ratio when the runs pair up (same seed "
        f"and plans), else median(new) / median(base); {confidence:.0%} CI from a percentile bootstrap "
        f"({n_resamples} resamples, one seeded stream per cell). ▲ slower, ▼ faster: the CI excludes 1. "
        f"**fails** marks a cell `pfcbench gate` fails: its whole CI above {1 + tolerance:.2f} (tolerance "
        f"{tolerance:.0%}).",
        "",
        "| Scenario | Executor | n base | n new | Base median ms | New median ms "
        "| Ratio new/base [CI] | mode | |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    if not shared:
        return "\n".join([*lines[:2], "The runs share no scenario.", ""])
    cells = compare_cells(
        _renamed(base.records),
        _renamed(new.records),
        tolerance=tolerance,
        confidence=confidence,
        resamples=n_resamples,
        seed=seed,
    )
    for c in sorted(cells, key=lambda c: shared.index(c.scenario)):
        ts = float(nt.loc[nt["scenario"] == c.scenario, "time_scale"].iloc[0])
        mark = "▲" if c.slower else "▼" if c.faster else ""
        mark += " **fails**" if c.regressed else ""
        ci_txt = f"[{c.ci.low:.3f}–{c.ci.high:.3f}]" if c.ci.defined else "[n/a]"
        what = f"`{c.executor}`: tool `{c.tool}`" if c.tool else f"`{c.executor}`"
        lines.append(
            f"| `{c.scenario}` | {what} | {c.n_base} | {c.n_cand} | {c.base_median_s / ts * 1000:,.1f} | "
            f"{c.cand_median_s / ts * 1000:,.1f} | {c.ratio:.3f} {ci_txt} | {c.mode} | {mark.strip()} |"
        )
    lines.append("")
    return "\n".join(lines)


def _check_scenario(bt: pd.DataFrame, nt: pd.DataFrame, sc: str) -> None:
    bh = _one(set(bt.loc[bt["scenario"] == sc, "scenario_hash"]), "scenario_hash", sc, "base")
    nh = _one(set(nt.loc[nt["scenario"] == sc, "scenario_hash"]), "scenario_hash", sc, "new")
    if bh != nh:
        raise IncomparableRunsError(
            f"scenario {sc!r}: scenario_hash differs ({bh} vs {nh}); "
            "the runs measured different scenario definitions"
        )
    bts = _one(set(bt.loc[bt["scenario"] == sc, "time_scale"]), "time_scale", sc, "base")
    nts = _one(set(nt.loc[nt["scenario"] == sc, "time_scale"]), "time_scale", sc, "new")
    if not math.isclose(float(bts), float(nts), rel_tol=1e-9):  # type: ignore[arg-type]
        raise IncomparableRunsError(
            f"scenario {sc!r}: time_scale differs ({bts} vs {nts}); "
            "overheads do not scale, so document ms are not comparable"
        )
