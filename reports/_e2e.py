"""End-to-end table of model-in-the-loop runs: per scenario, one row per (model mode, executor) with the
query's total time, the model's and tools' shares, turns, tokens and cost (medians, 95% CIs), and
the source document's three claims checked with numbers (parallel mode against sequential mode).

Reads results.jsonl only; imports nothing else of pfcbench.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reports._intervals import median_ci
from reports._schema import TrialRecord, read_records, whole_turn_twin, write_text_atomic
from reports._sessions import AFC_NOTE, AfcSession, ModelSession

Interval = tuple[float, float, float]


def median_interval(values: Sequence[float]) -> Interval:
    """(median, low, high): the order-statistic 95% CI of the median (reports._intervals); low and high
    are NaN when there are too few values for one (fewer than 6)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=np.float64)
    if x.size == 0:
        return (float("nan"),) * 3
    ci = median_ci(x)
    return float(np.median(x)), ci.low, ci.high


def _spans(r: TrialRecord) -> ModelSession | AfcSession | None:
    return r.session if isinstance(r.session, ModelSession | AfcSession) else None


def _row_values(recs: Sequence[TrialRecord]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for r in recs:
        s = _spans(r)
        total = r.makespan_s
        out["total"].append(total)
        out["model_share"].append((s.model_s if s else 0.0) / total if total > 0 else float("nan"))
        out["tool_share"].append((s.tool_s if s else 0.0) / total if total > 0 else float("nan"))
        out["turns"].append(float(s.n_turns if s else 0))
        out["tokens"].append(float(s.tokens_in + s.tokens_out if s else 0))
        out["thoughts"].append(float(s.tokens_thoughts if s else 0))
        cost = s.cost_usd if s else None
        out["cost"].append(float(cost) if cost is not None else float("nan"))
    return out


def _fmt_ci(iv: Interval, scale: float, digits: int) -> str:
    m, lo, hi = (v * scale for v in iv)
    if not np.isfinite(m):
        return "–"
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo == hi == m:
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
        by_scenario[r.scenario][(r.session.mode, r.executor)].append(r)
    models = sorted({r.model for r in recs})
    read_on = sorted({s.prices_read_on for r in recs if (s := _spans(r))} - {""})
    out = [
        "# End to end: model in the loop",
        "",
        f"Model: {', '.join(models)}. Medians over trials with distribution-free 95% CIs of the "
        "median (order statistics; none below 6 trials). Total is the whole query, question to answer, wall ms as run "
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
                f"| {_fmt_ci(median_interval(v['total']), 1000, 1)} "
                f"| {_fmt_ci(median_interval(v['model_share']), 100, 0)} "
                f"| {_fmt_ci(median_interval(v['tool_share']), 100, 0)} "
                f"| {_fmt_ci(median_interval(v['turns']), 1, 0)} "
                f"| {_fmt_ci(median_interval(v['tokens']), 1, 0)} "
                f"| {_fmt_ci(median_interval(v['thoughts']), 1, 0)} "
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
    return _fmt_ci(median_interval(costs), 1e6, 1)


def _status_table(groups: dict[tuple[str, str], list[TrialRecord]]) -> list[str]:
    """How each query ended, counted per (mode, executor)."""
    rows = ["", "How the queries ended:", "", "| mode | executor | " + " | ".join(STATUSES) + " |",
            "|---|---|" + "---:|" * len(STATUSES)]  # fmt: skip
    for (mode, ex), recs in sorted(groups.items()):
        counts = dict.fromkeys(STATUSES, 0)
        for r in recs:
            s = _spans(r)
            st = s.status if s else "model_error"
            counts[st] = counts.get(st, 0) + 1
        rows.append(f"| {mode or '–'} | {ex} | " + " | ".join(str(counts[k]) for k in STATUSES) + " |")
    return rows


def _stream_lines(groups: dict[tuple[str, str], list[TrialRecord]]) -> list[str]:
    """Streamed sessions: what starting each call on arrival saved against waiting for the whole turn (per
    query, so paired by construction), and how often the first call started before its turn ended."""
    lines: list[str] = []
    for (mode, ex), recs in sorted(groups.items()):
        streamed = [
            r for r in recs if isinstance(r.session, ModelSession) and r.session.stream_saved_s is not None
        ]
        if not streamed:
            continue
        saved = [
            float(r.session.stream_saved_s or 0.0) for r in streamed if isinstance(r.session, ModelSession)
        ]
        early = sum(1 for r in streamed if _first_start_before_turn_end(r))
        lines.append(
            f"- `{ex}` ({mode or '–'}): {_measured_saving(streamed, groups.get((mode, whole_turn_twin(ex)), []))}"
            f"by the executor's prediction for the calls as measured, started at the turn's end, "
            f"{_fmt_ci(median_interval(saved), 1000, 2)} ms; the first call "
            f"started before its turn finished streaming in {early} of {len(streamed)} queries."
        )
    return ["", "Streaming (`--stream`):", "", *lines] if lines else []


def _measured_saving(streamed: Sequence[TrialRecord], whole: Sequence[TrialRecord]) -> str:
    """The measured saving: each query's whole-turn twin (same trial, same plan, interleaved) minus the
    streamed query, median of the pairs [95% CI], in wall ms."""
    twin = {(r.scenario, r.trial): r.makespan_s for r in whole}
    diffs = [twin[(r.scenario, r.trial)] - r.makespan_s for r in streamed if (r.scenario, r.trial) in twin]
    if not diffs:
        return "no whole-turn twin was run (a run from before they existed); "
    return (
        f"dispatch on arrival saved {_fmt_ci(median_interval(diffs), 1000, 2)} ms per query, measured "
        f"(median of {len(diffs)} paired differences [95% CI]: the same query run again waiting for the "
        f"whole turn, interleaved); "
    )


def _first_start_before_turn_end(r: TrialRecord) -> bool:
    if not isinstance(r.session, ModelSession):
        return False
    by_id = {c.id: c for c in r.calls}
    for t in r.session.turns:
        starts = [by_id[c].start_s for c in t.calls if c in by_id]
        if starts:
            return min(starts) < t.end_s
    return False


def _notes(groups: dict[tuple[str, str], list[TrialRecord]]) -> list[str]:
    lines = []
    for (mode, ex), recs in sorted(groups.items()):
        price_notes = sorted({s.price_note for r in recs if (s := _spans(r)) and s.price_note})
        if price_notes:
            lines.append(f"Warning ({mode or '–'}, {ex}): " + "; ".join(price_notes) + ".")
        models = [r.session for r in recs if isinstance(r.session, ModelSession)]
        remapped = sum(s.remapped_calls for s in models)
        missing = sum(s.missing_calls for r in recs if (s := _spans(r)))
        capped = sum(1 for s in models if s.max_turns_hit)
        note = AFC_NOTE if isinstance(recs[0].session, AfcSession) else None
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
