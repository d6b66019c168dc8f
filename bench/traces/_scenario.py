"""A trace -> a scenario file: per tool the fitted latency, error rate, 429 rate and quota; the most common
turn shape as explicit ``[[calls]]``; comments saying what every number was fitted from."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tomlkit

from bench.traces._fitting import CRITERION, FOLDS, LatencyFit, fit_latency
from bench.traces._model import ERROR, RATE_LIMITED, ToolSpan
from bench.traces._turns import PER_PARENT, Turn, read_trace
from bench.traces._writer import comment, inline, number, slug, table, write_checked
from scenarios import Empirical, latency_to_dict

#: the window a quota is estimated over (document ms): most API quotas are "N per second"
QUOTA_PERIOD_MS = 1000.0
TOP_SHAPES = 5


@dataclass(frozen=True, slots=True)
class ToolFit:
    name: str
    fit: LatencyFit
    calls: int
    errors: int
    rate_limited: int
    #: most starts the tool admitted in any QUOTA_PERIOD_MS window of a trace that saw its 429s
    quota_calls: int | None

    @property
    def error_rate(self) -> float:
        answered = self.calls - self.rate_limited
        return self.errors / answered if answered else 0.0


@dataclass(frozen=True, slots=True)
class FittedScenario:
    name: str
    sources: tuple[str, ...]
    tools: tuple[ToolFit, ...]
    shapes: tuple[tuple[tuple[str, ...], int], ...]
    calls_per_turn: tuple[int, ...]
    #: how the trace was read (skipped spans, ids, ambiguity, conventions), one line each
    notes: tuple[str, ...] = ()
    #: the calls a fitted turn makes: (tool, share of turns that call it at least k times) for its k-th call
    mix: tuple[tuple[str, float], ...] = ()


def fit_trace(paths: Sequence[str | Path], name: str, reading: str = PER_PARENT) -> FittedScenario:
    """Read the trace files and fit everything a scenario needs (raises TraceError for bad input)."""
    read = read_trace(paths, reading)
    turns = read.turns
    by_tool: dict[str, list[ToolSpan]] = defaultdict(list)
    for t in turns:
        for c in t.calls:
            by_tool[c.tool].append(c)
    tools = tuple(_tool_fit(tool, spans) for tool, spans in sorted(by_tool.items()))
    shapes = Counter(t.shape for t in turns).most_common()
    return FittedScenario(
        name=name,
        sources=tuple(str(p) for p in paths),
        tools=tools,
        shapes=tuple(shapes),
        calls_per_turn=tuple(len(t.calls) for t in turns),
        notes=tuple(read.lines()),
        mix=turn_mix(turns),
    )


def turn_mix(turns: Sequence[Turn]) -> tuple[tuple[str, float], ...]:
    """Per tool, one call per count it reached in a turn: its k-th call is made with the share of turns that
    called it at least k times. Marginal shares are kept; each call is drawn on its own (the scenario format's
    per-call probability), so shapes' correlations are not. A turn makes at least one call: when no call is
    in every turn, the most frequent is made always (the comment above the calls says so)."""
    counts = [Counter(c.tool for c in t.calls) for t in turns]
    tools = sorted({tool for c in counts for tool in c})
    mix = [
        (tool, sum(1 for c in counts if c[tool] >= k) / len(turns))
        for tool in tools
        for k in range(1, max(c[tool] for c in counts) + 1)
    ]
    if mix and max(p for _, p in mix) < 1:
        i = max(range(len(mix)), key=lambda j: mix[j][1])
        mix[i] = (mix[i][0], 1.0)
    return tuple(mix)


def _tool_fit(tool: str, spans: Sequence[ToolSpan]) -> ToolFit:
    usable = [s.duration_ms for s in spans if s.usable_latency]
    # a tool seen only answering 429s still needs a latency: what its answers took
    fit = fit_latency(usable or [s.duration_ms for s in spans], key=tool)
    limited = [s for s in spans if s.outcome == RATE_LIMITED]
    return ToolFit(
        name=tool,
        fit=fit,
        calls=len(spans),
        errors=sum(1 for s in spans if s.outcome == ERROR),
        rate_limited=len(limited),
        quota_calls=_quota_calls(spans) if limited else None,
    )


def _quota_calls(spans: Sequence[ToolSpan]) -> int:
    """Within each trace that got a 429, the most admitted starts in any window of QUOTA_PERIOD_MS; the
    largest over such traces. Per trace, because pfcbench's own runs give every record a fresh quota."""
    best = 1
    traces: dict[str, list[ToolSpan]] = defaultdict(list)
    for s in spans:
        traces[s.span.trace_id].append(s)
    for group in traces.values():
        if not any(s.outcome == RATE_LIMITED for s in group):
            continue
        starts = np.sort(
            [s.span.start_ns / 1e6 / s.span.time_scale for s in group if s.outcome != RATE_LIMITED]
        )
        if starts.size:
            # windows [t, t + period) opened at each admitted start
            counts = np.searchsorted(starts, starts + QUOTA_PERIOD_MS, side="left") - np.arange(starts.size)
            best = max(best, int(counts.max()))
    return best


def scenario_toml(fs: FittedScenario, csv_stem: str) -> tuple[str, dict[str, str]]:
    """The TOML text (tomlkit: every string escaped, the comments kept) and the CSV files (name -> text)
    that empirical latencies refer to."""
    n_turns = len(fs.calls_per_turn)
    doc = tomlkit.document()
    for line in (
        f"Fitted by `pfcbench fit` from {', '.join(Path(s).name for s in fs.sources)}:",
        f"{sum(fs.calls_per_turn)} tool spans in {n_turns} turns.",
        *CRITERION,
        "Latencies exclude 429s, timeouts and retried calls. error_rate = failures other than 429 / calls answered.",
        *(f"Reading: {n}" for n in fs.notes),
    ):
        doc.add(comment(line))
    doc["name"] = fs.name
    doc["description"] = f"fitted from a trace: {n_turns} turns, {len(fs.tools)} tools"
    csvs: dict[str, str] = {}
    quotas = [t for t in fs.tools if t.quota_calls is not None]
    if quotas:
        q = tomlkit.table(is_super_table=True)
        for t in quotas:
            q[t.name] = table(
                [
                    f"{t.name}: {t.rate_limited} of {t.calls} calls answered 429; the most starts admitted in "
                    f"{QUOTA_PERIOD_MS:g} ms of one trace"
                ],
                {"calls": t.quota_calls, "period_ms": number(QUOTA_PERIOD_MS)},
            )
        doc["quotas"] = q
    tools = tomlkit.aot()
    for t in fs.tools:
        tools.append(_tool_table(t, csv_stem, csvs))
    doc["tools"] = tools
    _add_calls(doc, fs)
    return doc.as_string(), csvs


def _tool_table(t: ToolFit, csv_stem: str, csvs: dict[str, str]) -> Any:
    f = t.fit
    how = f"held-back, {FOLDS}-fold mean" if f.held_back else "in-sample (too few to hold back)"
    ll = ", ".join(f"{k} {v:.4f}" for k, v in f.loglik.items())
    why = (
        f"log-likelihood per value {how}: {ll}; KS distance {f.ks:.4f}, p {f.ks_p:.3g}" if ll else "all equal"
    )
    notes = [
        f"{t.name}: n={f.n}, {f.family}; {why}",
        f"observed p50 {_num(f.p50_ms)} ms, p95 {_num(f.p95_ms)} ms, p99 {_num(f.p99_ms)} ms; "
        f"errors {t.errors}/{t.calls - t.rate_limited} ({t.error_rate:.1%}), "
        f"429s {t.rate_limited}/{t.calls} ({t.rate_limited / t.calls:.1%})",
    ]
    items: dict[str, Any] = {"name": t.name}
    if isinstance(f.latency, Empirical):
        csv_name = f"{csv_stem}.{slug(t.name)}.csv"
        csvs[csv_name] = "latency_ms\n" + "".join(f"{v:.6g}\n" for v in f.latency.values_ms)
        items["latency"] = inline({"dist": "empirical", "csv": csv_name, "column": "latency_ms"})
    else:
        items["latency"] = inline(latency_to_dict(f.latency))
    if t.errors:
        items["error_rate"] = number(t.error_rate)
    if t.quota_calls is not None:
        items["quota"] = t.name
    return table(notes, items)


def _num(x: float) -> str:
    return f"{x:.6g}" if np.isfinite(x) else "n/a"


def _add_calls(doc: Any, fs: FittedScenario) -> None:
    n = len(fs.calls_per_turn)
    k = np.asarray(fs.calls_per_turn)
    doc.add(tomlkit.nl())
    doc.add(
        comment(
            f"Calls per turn: mean {k.mean():.2f}, p50 {np.median(k):g}, max {k.max()}. Most common turn shapes:"
        )
    )
    for shape, count in fs.shapes[:TOP_SHAPES]:
        doc.add(comment(f"  {count / n:.0%} ({count} turns): {', '.join(shape)}"))
    doc.add(
        comment("The calls below: per tool, its k-th call with the share of turns that called it at least k")
    )
    doc.add(
        comment("times (probability; 1 when left out), each drawn on its own, so every tool is called in")
    )
    doc.add(comment("the share of turns the trace shows (combinations of tools are not kept)."))
    if fs.mix and not any(p >= 1 and _always(fs, tool) for tool, p in fs.mix):
        doc.add(comment("No call is in every turn: the most frequent is made in every turn here."))
    calls = tomlkit.aot()
    for i, (tool, p) in enumerate(fs.mix):
        calls.append(
            table([], {"id": f"c{i}", "tool": tool, **({"probability": number(p)} if p < 1 else {})})
        )
    doc["calls"] = calls


def _always(fs: FittedScenario, tool: str) -> bool:
    """``tool`` is in every turn of the trace."""
    return all(tool in shape for shape, _ in fs.shapes)


def write_scenario(fs: FittedScenario, out: Path) -> list[Path]:
    """Write the scenario file and any CSV beside it, checked and atomically (TraceError when refused);
    returns the paths written."""
    text, csvs = scenario_toml(fs, out.stem)
    return write_checked(out, text, csvs, {t.name for t in fs.tools})
