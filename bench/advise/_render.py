"""advice.json (exactly the issue's keys), pareto.png and advice.md, from the search and the measurements."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

from bench.advise._chosen import Chosen
from bench.advise._config import AdviseConfig
from bench.advise._confirm import Measured
from bench.advise._fast import Prediction
from bench.advise._framework import framework_advice
from bench.advise._notes import context
from reports import plot_pareto, render_advice_markdown, write_json_atomic, write_text_atomic


def _num(v: float) -> float | None:
    return round(v, 3) if math.isfinite(v) else None


def _hedge(p: Prediction) -> float | dict[str, float] | None:
    h = dict(p.candidate.hedge_ms)
    if not h:
        return None
    values = {round(v, 3) for v in h.values()}
    return round(next(iter(h.values())), 3) if len(values) == 1 else {t: round(v, 3) for t, v in h.items()}


def predicted_row(p: Prediction) -> dict[str, Any]:
    """The issue's keys, from the prediction alone (measured ones None)."""
    c = p.candidate
    return {
        "label": c.label,
        "executor": c.executor,
        "workers": c.workers,
        "timeout_ms": None if c.timeout_ms is None else round(c.timeout_ms, 3),
        "hedge_ms": _hedge(p),
        "predicted_p50_ms": round(p.p50_ms, 3),
        "predicted_p95_ms": round(p.p95_ms, 3),
        "measured_p50_ms": None,
        "measured_p95_ms": None,
        "ci95_p95_ms": [None, None],
        "rate_limited": round(p.rate_limited, 3),
        "extra_calls": round(p.extra_calls, 3),
    }


def row(p: Prediction, m: Measured) -> dict[str, Any]:
    """One configuration as advice.json lists it: prediction, measurement with the p95's interval, and the
    measured 429s and extra calls per turn (the Pareto rows carry the predicted ones)."""
    return predicted_row(p) | {
        "measured_p50_ms": round(m.p50_ms, 3),
        "measured_p95_ms": round(m.p95_ms, 3),
        "ci95_p95_ms": [_num(m.ci_p95.low), _num(m.ci_p95.high)],
        "rate_limited": round(m.rate_limited, 3),
        "extra_calls": round(m.extra_calls, 3),
    }


def write_advice(config: AdviseConfig, chosen: Chosen) -> dict[str, Any]:
    """Write the three files into ``config.out``; return advice.json's content."""
    out = config.out
    m = chosen.measured
    cur_label = None if chosen.current is None else chosen.current.candidate.label
    # the current configuration is listed once, as "current", even when the search also picked it
    rows = [
        row(p, m[p.candidate.label])
        for i, p in enumerate(chosen.ordered)
        if i == 0 or p.candidate.label != cur_label
    ]
    cur = None if chosen.current is None else row(chosen.current, m[chosen.current.candidate.label])
    pareto = [predicted_row(p) for p in chosen.search.front]
    advice: dict[str, Any] = {
        "recommendations": rows,
        "current": cur,
        "pareto": pareto,
    }
    write_json_atomic(out / "advice.json", advice)
    plot_pareto(
        [predicted_row(p) for p in chosen.search.screened],
        pareto,
        rows + ([cur] if cur else []),
        out / "pareto.png",
    )
    md = render_advice_markdown(advice, context(config, chosen, rows, cur))
    if config.framework is not None:
        lines = framework_advice(config.framework, rows[0]["label"], config.scenario, config.conformance)
        md = md.rstrip("\n") + "\n\n" + "\n".join(lines)
    write_text_atomic(out / "advice.md", md)
    return advice


#: what advise writes last, together: after an interrupt none of them may stand as if the advice were done
ADVICE_FILES = ("advice.json", "pareto.png", "advice.md")


def drop_partial_advice(out: Path) -> list[str]:
    """Remove the advice files an interrupted advise wrote (advise refuses an --out that already holds a
    run, so any here are this run's); returns their names. The confirm run stays, marked ``interrupted``."""
    gone = [name for name in ADVICE_FILES if (out / name).exists()]
    for name in gone:
        with contextlib.suppress(OSError):
            (out / name).unlink()
    return gone
