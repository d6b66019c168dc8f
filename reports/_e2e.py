"""End-to-end table of model-in-the-loop runs: per scenario, one row per (model mode, executor) with the
query's total time, the model's and tools' shares, turns, tokens and cost (medians, bootstrap 95% CIs), and
the source document's three claims checked with numbers (parallel mode against sequential mode).

Reads results.jsonl only; imports nothing else of pfcbench.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from reports._schema import TrialRecord, read_records, write_text_atomic

Interval = tuple[float, float, float]


def median_ci(values: Sequence[float], *, seed: int = 0) -> Interval:
    """(median, low, high): a percentile bootstrap 95% CI of the median; (m, m, m) when there is nothing
    to resample (fewer than 3 values, or all equal)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=np.float64)
    if x.size == 0:
        return (float("nan"),) * 3
    med = float(np.median(x))
    if x.size < 3 or float(np.ptp(x)) == 0.0:
        return med, med, med
    with warnings.catch_warnings():
        # a degenerate resample distribution warns; the interval is still the best we have
        warnings.simplefilter("ignore")
        res = stats.bootstrap(
            (x,),
            np.median,
            confidence_level=0.95,
            n_resamples=2000,
            method="percentile",
            random_state=np.random.default_rng(seed),
        )
    return med, float(res.confidence_interval.low), float(res.confidence_interval.high)


def _row_values(recs: Sequence[TrialRecord]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for r in recs:
        s = r.session
        total = r.makespan_s
        out["total"].append(total)
        out["model_share"].append(float(s.get("model_s", 0.0)) / total if total > 0 else float("nan"))
        out["tool_share"].append(float(s.get("tool_s", 0.0)) / total if total > 0 else float("nan"))
        out["turns"].append(float(s.get("n_turns", 0)))
        out["tokens"].append(float(s.get("tokens_in", 0)) + float(s.get("tokens_out", 0)))
        out["thoughts"].append(float(s.get("tokens_thoughts", 0) or 0))
        cost = s.get("cost_usd")
        out["cost"].append(float(cost) if cost is not None else float("nan"))
    return out


def _fmt_ci(iv: Interval, scale: float, digits: int) -> str:
    m, lo, hi = (v * scale for v in iv)
    if not np.isfinite(m):
        return "–"
    if lo == hi == m:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def _claims(groups: dict[tuple[str, str], list[TrialRecord]]) -> list[str]:
    """Parallel mode against sequential mode, for each executor measured in both."""
    lines: list[str] = []
    executors = sorted({e for (_, e) in groups})
    for e in executors:
        par, seq = groups.get(("parallel", e)), groups.get(("sequential", e))
        if not par or not seq:
            continue
        p, q = _row_values(par), _row_values(seq)
        pt, qt = float(np.median(p["total"])), float(np.median(q["total"]))
        pk, qk = float(np.median(p["tokens"])), float(np.median(q["tokens"]))
        pn, qn = float(np.median(p["turns"])), float(np.median(q["turns"]))

        def verdict(ok: bool) -> str:
            return "holds" if ok else "does not hold"

        lines += [
            f"- `{e}` — lower latency: parallel {pt * 1000:.1f} ms vs sequential {qt * 1000:.1f} ms "
            f"(sequential/parallel {qt / pt:.2f}x): {verdict(pt < qt)}.",
            f"- `{e}` — fewer tokens: parallel {pk:.0f} vs sequential {qk:.0f} "
            f"({(1 - pk / qk) * 100 if qk else 0:.0f}% fewer): {verdict(pk < qk)}.",
            f"- `{e}` — fewer API calls (model turns): parallel {pn:.0f} vs sequential {qn:.0f}: "
            f"{verdict(pn < qn)}.",
        ]
    return lines


def render_e2e_markdown(records: Sequence[TrialRecord]) -> str | None:
    """The markdown of :func:`render_e2e`, or None when no record has a model in the loop."""
    recs = [r for r in records if r.model != "none"]
    if not recs:
        return None
    by_scenario: dict[str, dict[tuple[str, str], list[TrialRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in recs:
        by_scenario[r.scenario][(str(r.session.get("mode", "")), r.executor)].append(r)
    models = sorted({r.model for r in recs})
    read_on = sorted({str(r.session.get("prices_read_on", "")) for r in recs} - {""})
    out = [
        "# End to end: model in the loop",
        "",
        f"Model: {', '.join(models)}. Medians over trials with bootstrap 95% CIs of the median "
        "(percentile, 2000 resamples). Total is the whole query, question to answer, wall ms as run "
        "(divide by time_scale for document ms). Model/tool share: the fraction of the total spent waiting "
        "for the model / running tools; the rest is harness overhead. Tokens: input + output over all turns "
        "(the simulated and fake models estimate 4 characters per token). "
        f"Cost: tokens x the price table (prices read {', '.join(read_on) or 'n/a'}; check before quoting).",
        "",
    ]
    for scen in sorted(by_scenario):
        groups = by_scenario[scen]
        out += [
            f"## {scen}",
            "",
            "| mode | executor | n | total ms | model share % | tool share % | turns | tokens | thinking "
            "tokens | cost µUSD |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for mode, ex in sorted(groups):
            v = _row_values(groups[(mode, ex)])
            out.append(
                f"| {mode or '–'} | {ex} | {len(groups[(mode, ex)])} "
                f"| {_fmt_ci(median_ci(v['total']), 1000, 1)} "
                f"| {_fmt_ci(median_ci(v['model_share']), 100, 0)} "
                f"| {_fmt_ci(median_ci(v['tool_share']), 100, 0)} "
                f"| {_fmt_ci(median_ci(v['turns']), 1, 0)} "
                f"| {_fmt_ci(median_ci(v['tokens']), 1, 0)} "
                f"| {_fmt_ci(median_ci(v['thoughts']), 1, 0)} "
                f"| {_cost_cell(v['cost'])} |"
            )
        claims = _claims(groups)
        out += ["", "The document's claims (parallel vs sequential model mode):", ""]
        out += claims or ["- not checked: run with `--model-mode parallel --model-mode sequential`."]
        out += _status_table(groups) + _stream_lines(groups)
        notes = _notes(groups)
        out += ["", *notes] if notes else []
        out.append("")
    return "\n".join(out)


STATUSES = ("answered", "malformed_function_call", "safety", "max_tokens", "max_turns", "model_error")


def _cost_cell(costs: Sequence[float]) -> str:
    """The cost median and CI, or "unknown" when the model has no price row (never 0)."""
    if costs and all(not np.isfinite(c) for c in costs):
        return "unknown"
    return _fmt_ci(median_ci(costs), 1e6, 1)


def _status_table(groups: dict[tuple[str, str], list[TrialRecord]]) -> list[str]:
    """How each query ended, counted per (mode, executor); records before statuses count as answered or not."""
    rows = ["", "How the queries ended:", "", "| mode | executor | " + " | ".join(STATUSES) + " |",
            "|---|---|" + "---:|" * len(STATUSES)]  # fmt: skip
    for (mode, ex), recs in sorted(groups.items()):
        counts = dict.fromkeys(STATUSES, 0)
        for r in recs:
            st = str(r.session.get("status") or ("answered" if r.session.get("answered") else "model_error"))
            counts[st] = counts.get(st, 0) + 1
        rows.append(f"| {mode or '–'} | {ex} | " + " | ".join(str(counts[k]) for k in STATUSES) + " |")
    return rows


def _stream_lines(groups: dict[tuple[str, str], list[TrialRecord]]) -> list[str]:
    """Streamed sessions: how much starting each call on arrival saved against waiting for the whole turn
    (per query, so paired by construction), and how often the first call started before the turn ended."""
    lines: list[str] = []
    for (mode, ex), recs in sorted(groups.items()):
        streamed = [r for r in recs if r.session.get("stream")]
        if not streamed:
            continue
        saved = [float(r.session.get("stream_saved_s", 0.0)) for r in streamed]
        early = sum(1 for r in streamed if _first_start_before_turn_end(r))
        lines.append(
            f"- `{ex}` ({mode or '–'}), streamed: dispatch on arrival saved "
            f"{_fmt_ci(median_ci(saved), 1000, 2)} ms per query (median, 95% CI) against starting the calls "
            f"when the whole turn had arrived; the first call started before its turn finished streaming in "
            f"{early} of {len(streamed)} queries."
        )
    return ["", "Streaming (`--stream`):", "", *lines] if lines else []


def _first_start_before_turn_end(r: TrialRecord) -> bool:
    turns = r.session.get("turns") or []
    by_id = {c.id: c for c in r.calls}
    for t in turns:
        starts = [by_id[c].start_s for c in t.get("calls", []) if c in by_id]
        if starts:
            return min(starts) < float(t["end_s"])
    return False


def _notes(groups: dict[tuple[str, str], list[TrialRecord]]) -> list[str]:
    lines = []
    for (mode, ex), recs in sorted(groups.items()):
        price_notes = sorted({str(r.session["price_note"]) for r in recs if r.session.get("price_note")})
        if price_notes:
            lines.append(f"Warning ({mode or '–'}, {ex}): " + "; ".join(price_notes) + ".")
        remapped = sum(int(r.session.get("remapped_calls", 0)) for r in recs)
        missing = sum(int(r.session.get("missing_calls", 0)) for r in recs)
        capped = sum(1 for r in recs if r.session.get("max_turns_hit"))
        note: Any = r.session.get("note") if (r := recs[0]) else None
        parts = []
        if remapped:
            parts.append(f"{remapped} calls mapped by tool name (the model changed or omitted request_id)")
        if missing:
            parts.append(f"{missing} planned calls never requested by the model")
        if capped:
            parts.append(f"{capped} queries stopped at --max-turns")
        if note:
            parts.append(str(note))
        if parts:
            lines.append(f"Note ({mode or '–'}, {ex}): " + "; ".join(parts) + ".")
    return lines


def render_e2e(run_dir: str | Path) -> Path | None:
    """Write ``run_dir/e2e.md`` from its results.jsonl; None (and nothing written) without model records."""
    d = Path(run_dir)
    text = render_e2e_markdown(read_records(d / "results.jsonl"))
    if text is None:
        return None
    path = d / "e2e.md"
    write_text_atomic(path, text)
    return path
