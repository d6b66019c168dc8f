"""What binds the parallel time, and whether the advice beats what you have: the words advice.md adds to
its paragraph. Theory names a quota or a critical path (and what starting the longest calls first would save
against list order); the confirmation's own records name the slowest call, or CPU contention when the
slowest call is only part of a real tool's turn."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.advise._confirm import Measured
from bench.run import RunConfig, assemble, scenario_theory
from reports import BINDS_SHARE, quantile_ratio_ci, read_records, slowest_call
from scenarios import Scenario

#: a bound this much above E[max] is the quota's or the dependencies', not the slowest call's
ABOVE_MAX = 1.05


def binds_sentence(scenario: Scenario, label: str, confirm_dir: Path) -> str:
    """One sentence: which constraint sets the recommended configuration's parallel time."""
    if not scenario.quotas and not any(c.after for c in scenario.calls):
        return _measured_binds(scenario, label, confirm_dir)  # nothing theory names: no quota, no path
    with assemble(RunConfig((scenario,), ("ratelimited",), time_scale=1.0)) as parts:
        th = scenario_theory(scenario, [parts.executors["ratelimited"]], plans=512)
    e_max, bound = th.get("expected_max_ms"), float(th["expected_lower_bound_ms"])
    if scenario.quotas and (e_max is None or bound > ABOVE_MAX * e_max):
        listed = float(th["predicted_ms"]["ratelimited"])
        return (
            f"What binds: **the quota** — no executor can beat {bound:,.0f} ms on average (the longest calls in "
            f"its earliest slots) against {e_max or 0:,.0f} ms for the slowest call alone; starting the longest "
            f"calls first would save {max(0.0, listed - bound):,.0f} ms a turn against list order "
            f"({listed:,.0f} ms)."
        )
    if e_max is None:
        return f"What binds: **the critical path** through the dependencies ({bound:,.0f} ms on average)."
    return _measured_binds(scenario, label, confirm_dir)


def _measured_binds(scenario: Scenario, label: str, confirm_dir: Path) -> str:
    # the report's own reading of what binds: the tool most often slowest, the medians of it and of the turn
    tool, s, t = slowest_call([r for r in read_records(confirm_dir / "results.jsonl") if r.executor == label])
    if not tool:
        return "What binds: n/a (no measured turn of the recommendation)."
    if s >= BINDS_SHARE * t:
        return f"What binds: **the slowest call** (`{tool}`, median {s:,.0f} of the {t:,.0f} ms turn): more workers cannot help."
    cpu = (
        " CPU-bound Python tools share one interpreter lock."
        if any(x.python for x in scenario.real_tools())
        else ""
    )
    return (
        f"What binds: **CPU or the executor** — the slowest call (`{tool}`, median {s:,.0f} ms) is only part "
        f"of the {t:,.0f} ms turn.{cpu}"
    )


def keep_sentence(best: str, current: str | None, measured: dict[str, Measured]) -> str | None:
    """ "Keep what you have" when the recommendation's median is not below the current one's beyond its CI."""
    if current is None or current == best or current not in measured:
        return None
    a, b = np.asarray(measured[best].makespans_ms), np.asarray(measured[current].makespans_ms)
    ci = quantile_ratio_ci(a, b, 0.5)
    if ci.defined and ci.high < 1.0:
        return None
    ratio = float(np.median(a) / np.median(b))
    shown = f"[{ci.low:.2f}–{ci.high:.2f}]" if ci.defined else "[no CI]"
    return (
        f"**Keep what you have**: {best} is not faster than your {current} beyond its 95% CI (median ratio "
        f"{ratio:.2f} {shown}); changing would buy nothing measurable."
    )
