"""``compare_runs(base_dir, new_dir)``: did a change make anything faster or slower?

Two runs are independent samples, so the ratio of medians gets a two-sample percentile bootstrap interval; a ratio
whose interval excludes 1 is marked. Runs of different scenario definitions or time scales measure
different things, so they are refused rather than compared.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from reports._frames import executor_order, load_run
from reports._intervals import DEFAULT_RESAMPLES, make_rng, ratio_of_quantiles_ci


class IncomparableRunsError(ValueError):
    """The two runs measured different things (scenario definition or time scale differ)."""


def _one(values: set[object], what: str, scenario: str, which: str) -> object:
    if len(values) != 1:
        raise IncomparableRunsError(f"{which} run has {len(values)} {what} values for scenario {scenario!r}")
    return next(iter(values))


#: executors renamed since older runs, compared under their current label
RENAMED = {"sdk-afc": "genai-afc"}


def _current_labels(trials: pd.DataFrame) -> pd.DataFrame:
    """``trials`` with old executor labels as today's, so an old run's ``sdk-afc`` meets ``genai-afc``."""
    return trials.assign(executor=trials["executor"].astype(str).replace(RENAMED))


def compare_runs(
    base_dir: str | Path, new_dir: str | Path, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> str:
    """A markdown table per (scenario, executor) present in both runs: medians, ratio new/base, CI."""
    base, new = load_run(base_dir), load_run(new_dir)
    bt, nt = _current_labels(base.trials), _current_labels(new.trials)
    shared = [s for s in dict.fromkeys(str(x) for x in bt["scenario"]) if s in set(nt["scenario"])]
    for sc in shared:
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
    lines = [
        f"# Comparison: `{base.meta.get('run_id', Path(base_dir).name)}` (base) → "
        f"`{new.meta.get('run_id', Path(new_dir).name)}` (new)",
        "",
        "Ratio = median(new) / median(base) of the makespan in document ms; 95% CI from a two-sample "
        f"percentile bootstrap ({n_resamples} resamples). ▲ slower, ▼ faster: the CI excludes 1.",
        "",
        "| Scenario | Executor | n base | n new | Base median ms | New median ms "
        "| Ratio new/base [95% CI] | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    if not shared:
        return "\n".join([*lines[:2], "The runs share no scenario.", ""])
    for sc in shared:
        b_sc, n_sc = bt[bt["scenario"] == sc], nt[nt["scenario"] == sc]
        for ex in executor_order(b_sc):
            if ex not in set(n_sc["executor"]):
                continue
            x = n_sc.loc[n_sc["executor"] == ex, "makespan_ms"].to_numpy(dtype=np.float64)
            y = b_sc.loc[b_sc["executor"] == ex, "makespan_ms"].to_numpy(dtype=np.float64)
            bm, nm = float(np.median(y)), float(np.median(x))
            ratio = nm / bm if bm > 0 else math.nan
            ci = ratio_of_quantiles_ci(x, y, make_rng(seed, sc, ex, "compare"), n_resamples)
            mark = ("▲" if ci.low > 1 else "▼") if ci.excludes(1.0) else ""
            ci_txt = f"[{ci.low:.3f}–{ci.high:.3f}]" if math.isfinite(ci.low) else "[n/a]"
            lines.append(
                f"| `{sc}` | `{ex}` | {y.size} | {x.size} | {bm:,.1f} | {nm:,.1f} | "
                f"{ratio:.3f} {ci_txt} | {mark} |"
            )
    lines.append("")
    return "\n".join(lines)
