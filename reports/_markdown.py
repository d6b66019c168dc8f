"""``render_report(run_dir)``: report.md, summary.csv, figures/*.png and trace.json from the stored files.

Nothing is re-run: the report is a pure function of results.jsonl, theory.json and run.json (its
intervals use no random numbers), so rendering twice gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from reports import _figures as figs
from reports import _fmt as f
from reports._answer import answer_section
from reports._doc_section import doc_rows, doc_table, findings, verdict_table
from reports._drawing import Job, draw_all
from reports._floor import FloorRow, floor_markdown, floor_split
from reports._frames import RunData, executor_order, load_run, representative_trials
from reports._headline import headline_lines
from reports._intervals import CONFIDENCE
from reports._ranking import rank
from reports._replay import replay_section
from reports._schema import write_json_atomic, write_text_atomic
from reports._stats import (
    BASELINE,
    CI_REL_HALF_WIDTH,
    IQR_OVER_MEDIAN,
    MAX_OVER_MEDIAN,
    MIN_TRIALS,
    TIMER_RESOLUTION_MS,
    ExecutorStats,
    StatWarning,
    check_warnings,
    stats_frame,
    summarize,
)
from reports._theory import ScenarioTheory, parse_all
from reports._tools_table import ToolRow, tool_rows, tools_frame, tools_section
from reports._trace import trace_events

FIG_DIR = "figures"


def _seed(data: RunData) -> int:
    args = data.meta.get("args")
    if isinstance(args, Mapping) and isinstance(args.get("seed"), int):
        return int(args["seed"])
    if not data.trials.empty:
        return int(data.trials["seed"].iloc[0])
    return 0


def invalid_lines(
    stats: Sequence[ExecutorStats], raw: Sequence[ExecutorStats], measured: frozenset[str] = frozenset()
) -> list[str]:
    """Where the median efficiency exceeds 100% beyond its CI: a call finished sooner than the plan
    allows, so the timing (or the plan) is wrong and no figure of the run can be trusted. Only where the
    plan is the truth: ``measured`` names the scenarios with real tools, whose bounds are measurements."""
    bad = [
        s
        for s in [*stats, *raw]
        if s.efficiency_ci.defined and s.efficiency_ci.low > 1.0 and s.scenario not in measured
    ]
    if not bad:
        return []
    which = ", ".join(
        f"`{s.scenario}` / `{s.executor}` {f.pct(s.efficiency)} {f.ci(s.efficiency_ci, '%')}" for s in bad
    )
    return [
        f"> **⚠️ THIS RUN IS INVALID: efficiency exceeds 100% beyond its 95% CI ({which}).** An executor "
        "finished sooner than the lower bound allows, so calls were shorter than planned (a timer or "
        "calibration fault): do not quote any figure of this run.",
        "",
    ]


def _scenario_table(ss: Sequence[ExecutorStats]) -> list[str]:
    out = f.table_head(
        "Executor | n | Median [95% CI] | p95 [95% CI] | p99 | Mean | IQR | Ideal (median) | Efficiency [95% CI] | Overhead ms (×ideal) | Paired speedup [95% CI] | Failed calls"
    )
    for s in ss:
        out.append(
            f"| `{s.executor}` | {s.n} | {f.ms(s.median)} {f.ci(s.median_ci)} | {f.ms(s.p95)} {f.ci(s.p95_ci)} | "
            f"{f.ms(s.p99)} | {f.ms(s.mean)} | {f.ms(s.iqr)} | {f.ms(s.ideal_median)} | "
            f"{f.pct(s.efficiency)} {f.ci(s.efficiency_ci, '%')} | "
            f"{f.ms(s.overhead_ms)} ({f.x(s.overhead_ratio)}) | {f.x(s.speedup_median)} "
            f"{f.ci(s.speedup_ci, 'x')} | {s.n_errors}"
            + (f" ({s.quota_violations} starts over quota)" if s.quota_violations else "")
            + (f" ({s.n_429} 429s)" if s.n_429 else "")
            + " |"
        )
    return out


def _theory_line(th: ScenarioTheory) -> str:
    parts = [
        f"calls: {th.n_calls}" if th.n_calls is not None else "",
        f"E[sum] {f.ms(th.expected_sum_ms)} ms",
        f"E[max] {f.ms(th.expected_max_ms)} ms",
        f"p95[max] {f.ms(th.p95_max_ms)} ms",
        f"E[lower bound] {f.ms(th.expected_lower_bound_ms)}{f.pm(th.expected_lower_bound_se_ms)} ms",
    ]
    if th.quota is not None:
        parts.append(f"quota: {th.quota.describe()}")
    if th.predicted_ms:
        parts.append(
            "predicted: "
            + ", ".join(
                f"{k} {f.ms(v)}{f.pm(th.se(f'predicted[{k}]'))} ms" for k, v in th.predicted_ms.items()
            )
        )
    return "Theory — " + "; ".join(p for p in parts if p) + "."


def _img(path: Path | None, root: Path, alt: str) -> list[str]:
    return [] if path is None else [f"![{alt}]({path.relative_to(root).as_posix()})", ""]


#: each figure's drawing time relative to an ECDF's (measured on the default bench run's report: ECDF 80 ms,
#: timeline 110, quota 130, document table 155), so that the two drawing processes finish together
_COST = {"doc_table": 2.0, "timeline": 1.4, "quota": 1.6}

#: a line of the draft standing for a figure not drawn yet (no markdown line starts with a NUL)
_PENDING = "\x00figure "


@dataclass
class _Figures:
    """The report's figures: sections queue them where they belong and all are drawn at the end, on two
    cores (``reports._drawing``); each placeholder then becomes its image line, or nothing without data."""

    root: Path
    jobs: list[tuple[Job, str, float]] = field(default_factory=list)

    def add(self, job: Job, alt: str, weight: float = 1.0) -> list[str]:
        """Queue a figure; ``weight`` is its expected cost (a figure that usually has no data: near 0)."""
        self.jobs.append((job, alt, weight))
        return [f"{_PENDING}{len(self.jobs) - 1}"]

    def resolve(self, md: Sequence[str]) -> list[str]:
        paths = draw_all([job for job, _, _ in self.jobs], [w for _, _, w in self.jobs])
        out: list[str] = []
        for line in md:
            if line.startswith(_PENDING):
                i = int(line.removeprefix(_PENDING))
                out += _img(paths[i], self.root, self.jobs[i][1])
            else:
                out.append(line)
        return out


def _method(data: RunData, seed: int, baseline: str) -> list[str]:
    meta = data.meta
    ts = sorted(set(data.trials["time_scale"].round(12))) if not data.trials.empty else []
    trials_per = data.trials.groupby(["scenario", "executor"]).size() if not data.trials.empty else None
    n_tr = (
        f"{int(trials_per.min())}–{int(trials_per.max())}"
        if trials_per is not None and trials_per.min() != trials_per.max()
        else f"{int(trials_per.min())}"
        if trials_per is not None
        else "0"
    )

    def kv(d: Any) -> str:
        return ", ".join(f"{k}={v}" for k, v in d.items()) if isinstance(d, Mapping) and d else "unknown"

    return [
        "## Method",
        "",
        f"- Run `{meta.get('run_id', 'unknown')}`, status `{meta.get('status', 'unknown')}`, "
        f"started {meta.get('started_at', '?')}, finished {meta.get('finished_at', '?')}.",
        f"- Time scale: {', '.join(f'{t:g}' for t in ts) or 'unknown'} (wall seconds per document second); "
        "all figures are document milliseconds = wall seconds / time_scale × 1000.",
        f"- Trials per scenario × executor: {n_tr}; seed {seed}; every executor in a trial sees the same "
        "planned latencies, in a shuffled order.",
        *_calibration_line(meta.get("calibration")),
        f"- Arguments: {kv(meta.get('args'))}.",
        f"- Machine: {kv(meta.get('machine'))}.",
        f"- Versions: {kv(meta.get('versions'))}; git commit `{meta.get('git_commit', 'unknown')}`.",
        *_framework_line(meta.get("frameworks")),
        f"- Confidence intervals ({CONFIDENCE:.0%}): distribution-free, from order statistics (the count "
        "of trials below a quantile is binomial), for medians, p95s, paired speedups, efficiencies and the "
        "floor split; they cover at least the nominal level at every n. Where n is too small (a median "
        "needs 6 trials, a p95 59) none is printed and the table says how many trials are needed.",
        f"- Paired speedup: for each trial, the `{baseline}` makespan divided by the executor's makespan in "
        "the same trial; the table shows the median over trials and its CI.",
        "- Efficiency: lower bound / measured makespan (median over trials). Overhead: measured − ideal, "
        "where ideal is the executor's zero-overhead makespan on the same plan.",
        '- Verdict per document figure (±10%, the document\'s "~"): **holds** when the whole 95% CI of the '
        "reference lies within ±10%, **differs** when it lies wholly outside, **inconclusive** when it "
        "straddles the edge, **n/a** when there is nothing to compare (never holds). Theory figures are exact "
        "or, where estimated over simulated plans, printed with their standard error (±; sum quantiles: "
        "their numerical error bound) and judged at their estimate; with a "
        "quota the parallel figure is judged against the list-order prediction. The measured parallel "
        'figure is the fastest executor without failed calls; "fastest" is named only where the paired '
        "median ratio's CI excludes 1, otherwise the executors are tied.",
        "- Raw references (`raw-asyncio`, `raw-threads`) are kept out of the tables, rankings and speedups; "
        "they appear only in each scenario's floor split.",
        "",
    ]


def _calibration_line(cal: Any) -> list[str]:
    """Whether the runner shortened simulated latencies (older runs did: a start-up timer probe)."""
    if not isinstance(cal, Mapping):
        return [
            "- Simulated latencies were not corrected for timer overshoot: every tool slept its planned time."
        ]
    return [
        f"- Timer calibration was on (an older pfcbench): each simulated latency slept "
        f"{cal.get('sleep_bias_s', 0) * 1e6:.0f} µs (threads) and {cal.get('asleep_bias_s', 0) * 1e6:.0f} µs "
        "(asyncio) less than planned; see the banner at the top."
    ]


def calibration_lines(meta: Mapping[str, Any]) -> list[str]:
    """The banner of a run whose runner shortened every simulated sleep by a start-up probe's overshoot:
    its calls can be shorter than planned and its efficiencies are inflated by as much (issue 13)."""
    cal = meta.get("calibration")
    if not isinstance(cal, Mapping):
        return []
    bias = max(float(cal.get("sleep_bias_s") or 0), float(cal.get("asleep_bias_s") or 0)) * 1e6
    return [
        f"> **⚠️ Timer calibration was on in this run: every simulated sleep was shortened by up to {bias:.0f} "
        "µs.** Calls may be shorter than planned, efficiencies are inflated and executor overhead is partly "
        "hidden; re-run with this pfcbench (no calibration) before quoting overheads or efficiencies.",
        "",
    ]


def _warnings(ws: Sequence[StatWarning], status_note: str | None) -> list[str]:
    out = ["## Warnings", ""]
    if status_note:
        out.append(f"- {status_note}")
    if not ws and not status_note:
        out.append("None.")
    for w in ws:
        out.append(f"- `{w.scenario}` / `{w.executor}` ({w.kind}): {w.message}")
    out += [
        "",
        f"Thresholds: CI half-width > {CI_REL_HALF_WIDTH:.0%} of the median; fewer than {MIN_TRIALS} "
        f"trials; makespan < {TIMER_RESOLUTION_MS:g} ms wall; IQR/median > {IQR_OVER_MEDIAN:g} or "
        f"max > {MAX_OVER_MEDIAN:g}× median; any failed call.",
        "",
    ]
    return out


@dataclass(frozen=True)
class _Page:
    """What the sections of one report share."""

    root: Path
    fig_dir: Path
    data: RunData
    trials: pd.DataFrame
    stats: list[ExecutorStats]
    theory: dict[str, ScenarioTheory]
    executors: list[str]
    reps: dict[tuple[str, str], int]
    rep_calls: pd.DataFrame
    floor: list[FloorRow]
    baseline: str
    seed: int
    figures: _Figures


def _status_note(meta: Mapping[str, Any], problems: Sequence[str] = ()) -> str | None:
    note = _run_status_note(meta)
    if problems:
        lost = f"**results.jsonl may not hold the whole run: {'; '.join(problems)}.**"
        return lost if note is None else f"{lost} {note}"
    return note


def _run_status_note(meta: Mapping[str, Any]) -> str | None:
    status = str(meta.get("status", "unknown"))
    if not meta:
        return (
            "**No run.json: whether this run completed is unknown; the numbers below "
            "cover the trials in results.jsonl.**"
        )
    if status == "complete":
        return None
    return (
        f"**This run is not complete (status: `{status}`): the numbers below cover only the "
        "trials recorded so far.**"
    )


def _doc_section(p: _Page, tools: Sequence[ToolRow]) -> list[str]:
    """The document's table, verdicts and findings when document rows were run; then the answer for every
    other scenario (first on the page when no document row was run)."""
    rows = doc_rows(p.stats, p.theory, p.baseline)
    ranks = rank(p.trials, p.stats, p.baseline)
    others = [sc for sc in dict.fromkeys(s.scenario for s in p.stats) if sc not in {r.scenario for r in rows}]
    answer = answer_section(
        others,
        p.stats,
        ranks=ranks,
        records=p.data.records,
        theory=p.theory,
        tools=tools,
        baseline=p.baseline,
    )
    if not rows:
        return answer
    md = ["## The document's table, reproduced", "", *doc_table(rows), ""]
    md += ["### Verdicts, figure by figure", "", *verdict_table(rows), ""]
    md += p.figures.add(
        partial(figs.doc_table, p.stats, p.theory, p.executors, p.fig_dir / "doc_table.png"),
        "document table: median makespan per executor with CI, document claims as lines",
        _COST["doc_table"],
    )
    doc_ranks = {sc: rk for sc, rk in ranks.items() if sc not in others}
    md += ["### Findings", "", *(f"- {x}" for x in findings(p.stats, rows, doc_ranks, p.baseline)), ""]
    return md + answer


def _scenario_section(p: _Page, sc: str) -> list[str]:
    md = [f"## Scenario `{sc}`", ""]
    th = p.theory.get(sc)
    if th is not None:
        real = bool((p.trials.loc[p.trials["scenario"] == sc, "n_real"] > 0).any())
        # a real tool's theory is built from its declared latency: an expectation, never a measurement
        md += [("Expected from your tools' declared latencies — " if real else "") + _theory_line(th), ""]
    md += [*_scenario_table([s for s in p.stats if s.scenario == sc]), ""]
    md += floor_markdown(p.floor, sc)
    base = p.fig_dir / figs.slug(sc)
    md += p.figures.add(
        partial(figs.ecdf, p.trials, sc, p.executors, base.with_name(f"{base.name}_ecdf.png")),
        f"{sc}: makespan ECDF",
    )
    makespans = {
        (sc, str(ex), int(tr)): float(mk)
        for ex, tr, mk in p.trials.loc[
            p.trials["scenario"] == sc, ["executor", "trial", "makespan_ms"]
        ].itertuples(index=False)
        if p.reps.get((sc, str(ex))) == int(tr)
    }
    tpath = base.with_name(f"{base.name}_timeline.png")
    tl = partial(figs.timeline, p.rep_calls, sc, p.reps, p.executors, tpath, makespans=makespans)
    md += p.figures.add(tl, f"{sc}: timeline of representative trials", _COST["timeline"])
    if th is not None and th.quota is not None:
        qpath = base.with_name(f"{base.name}_quota.png")
        qfig = partial(
            figs.quota_starts, p.rep_calls, sc, th.quota, p.reps, executors=p.executors, path=qpath
        )
        md += p.figures.add(qfig, f"{sc}: call starts vs quota", _COST["quota"])
    wpath = base.with_name(f"{base.name}_workers.png")
    workers = partial(figs.scaling_workers, p.trials, sc, p.executors, wpath, baseline=p.baseline)
    # only runs with executors labelled name@K have this figure
    md += p.figures.add(
        workers, f"{sc}: speedup vs max_workers", 1.0 if any("@" in e for e in p.executors) else 0.1
    )
    return md


def _family_section(p: _Page, scenarios: Sequence[str]) -> list[str]:
    families: dict[str, list[str]] = {}
    for sc in scenarios:
        families.setdefault(p.theory[sc].family if sc in p.theory else sc, []).append(sc)
    imgs: list[str] = []
    for fam, members in families.items():
        if len(members) >= 2:
            path = p.fig_dir / f"family_{figs.slug(fam)}.png"
            fig = figs.scaling_family(p.trials, p.theory, fam, p.executors, path, baseline=p.baseline)
            imgs += _img(fig, p.root, f"family {fam}: speedup vs calls")
    return ["## Scaling across scenario families", "", *imgs] if imgs else []


def _page(root: Path, baseline: str) -> _Page:
    data = load_run(root)
    trials, raw = data.trials, data.raw
    reps = representative_trials(trials)
    keys = [(sc, ex, t) for (sc, ex), t in reps.items()]
    fig_dir = root / FIG_DIR
    fig_dir.mkdir(exist_ok=True)
    return _Page(
        root=root,
        fig_dir=fig_dir,
        data=data,
        trials=trials,
        stats=summarize(trials, baseline=baseline),
        theory=parse_all(data.theory),
        executors=executor_order(trials, baseline) if not trials.empty else [],
        reps=reps,
        rep_calls=data.calls_of(keys),
        floor=floor_split(trials, raw),
        baseline=baseline,
        seed=_seed(data),
        figures=_Figures(root),
    )


def _framework_line(frameworks: Any) -> list[str]:
    """What a run with framework executors must say: their versions, and that they run as in production."""
    if not isinstance(frameworks, Mapping) or not frameworks:
        return []
    versions = ", ".join(f"{k} {v}" for k, v in frameworks.items())
    return [
        f"- Framework executors ({versions}) run the calls through the framework's own dispatch, with a "
        "scripted model: pfcbench's guards and client-side limiter do not wrap them, so on a scenario with a "
        "quota they run without quota knowledge, as in production. The floor split pairs those whose calls are "
        "tasks on an event loop with `raw-asyncio`, the others with `raw-threads`."
    ]


def render_report(
    run_dir: str | Path,
    *,
    baseline: str = BASELINE,
    on_problem: Callable[[str], None] | None = None,
    on_headline: Callable[[str], None] | None = None,
) -> Path:
    """Write report.md, summary.csv, tools.csv, figures/*.png and trace.json into ``run_dir``; return
    report.md.

    ``on_problem`` hears each reason the records may not be the whole run (report.md says them too), so a
    CLI can warn without reading results.jsonl a second time; ``on_headline`` hears the run's headline
    (``reports.headline_lines``), line by line."""
    root = Path(run_dir)
    p = _page(root, baseline)
    if on_problem is not None:
        for problem in p.data.problems:
            on_problem(problem)
    raw = p.data.raw
    raw_stats = summarize(raw, baseline=baseline)
    scenarios = list(dict.fromkeys(str(s) for s in p.trials["scenario"]))
    write_text_atomic(root / "summary.csv", stats_frame(p.stats).to_csv(index=False, float_format="%.6g"))
    write_json_atomic(root / "trace.json", trace_events(p.rep_calls, p.reps, scenarios, p.executors))
    tools = tool_rows(p.data.records, baseline)
    write_text_atomic(root / "tools.csv", tools_frame(tools).to_csv(index=False, float_format="%.6g"))

    status_note = _status_note(p.data.meta, p.data.problems)
    md: list[str] = [f"# pfcbench report: run `{p.data.meta.get('run_id', root.name)}`", ""]
    measured = frozenset(str(x) for x in p.trials.loc[p.trials["n_real"] > 0, "scenario"])
    md += invalid_lines(p.stats, raw_stats, measured)
    md += calibration_lines(p.data.meta)
    if status_note:
        md += [status_note, ""]
    md += _doc_section(p, tools)
    md += replay_section(p.trials, p.seed, notes={k: t.description for k, t in p.theory.items()})
    for sc in scenarios:
        md += _scenario_section(p, sc)
    md += tools_section(tools, sorted(measured), baseline)
    md += _family_section(p, scenarios)
    md += _method(p.data, p.seed, baseline)
    md += _warnings(check_warnings(p.stats), status_note)
    md += [
        "Files: `summary.csv` (one row per scenario × executor), `tools.csv` (one row per scenario × "
        "executor × tool: call durations and the ratio to the tool alone), `trace.json` (open in "
        "https://ui.perfetto.dev), figures in `figures/`.",
        "",
    ]
    out = root / "report.md"
    write_text_atomic(out, "\n".join(p.figures.resolve(md)))
    if on_headline is not None:  # last: a reader that stops early (`| head`) cannot cost the files
        scales = sorted({float(t) for t in p.trials["time_scale"]})
        for line in headline_lines(p.stats, time_scales=scales, baseline=baseline):
            on_headline(line)
    return out
