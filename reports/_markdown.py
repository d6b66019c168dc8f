"""``render_report(run_dir)``: report.md, summary.csv, figures/*.png and trace.json from the stored files.

Nothing is re-run: the report is a pure function of results.jsonl, theory.json and run.json (and of the
bootstrap seed, which comes from the run), so rendering twice gives the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports import _figures as figs
from reports._frames import RunData, executor_order, load_run, representative_trials
from reports._replay import replay_section
from reports._schema import write_json_atomic, write_text_atomic
from reports._stats import (
    BASELINE,
    CI,
    CI_REL_HALF_WIDTH,
    CONFIDENCE,
    DEFAULT_RESAMPLES,
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
from reports._theory import Measured, ScenarioTheory, Verdict, judge, parse_all
from reports._trace import trace_events

FIG_DIR = "figures"


@dataclass(frozen=True)
class DocRow:
    """One reproduced row of the document's table."""

    scenario: str
    theory: ScenarioTheory
    sequential: ExecutorStats | None
    parallel: tuple[ExecutorStats, ...]
    best: ExecutorStats | None
    verdict: Verdict | None


def _ms(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def _ci(ci: CI, fmt: str = "ms") -> str:
    if not math.isfinite(ci.low):
        return "[n/a]"
    if fmt == "x":
        return f"[{ci.low:.2f}–{ci.high:.2f}]"
    return f"[{_ms(ci.low)}–{_ms(ci.high)}]"


def _x(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:.2f}×"


def _pct(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:.0%}"


def _cell(text: str) -> str:
    """Markdown table cells cannot hold a bare pipe."""
    return text.replace("|", "\\|")


def _seed(data: RunData) -> int:
    args = data.meta.get("args")
    if isinstance(args, Mapping) and isinstance(args.get("seed"), int):
        return int(args["seed"])
    if not data.trials.empty:
        return int(data.trials["seed"].iloc[0])
    return 0


def _best(stats: Sequence[ExecutorStats], baseline: str) -> ExecutorStats | None:
    """The fastest non-baseline executor by median, preferring those with no failed calls and no quota
    violations: an executor that is fast because it breaks the quota is not the document's "parallel"."""
    cands = [s for s in stats if s.executor != baseline]
    clean = [s for s in cands if s.n_errors == 0 and s.quota_violations == 0]
    pool = clean or cands
    return min(pool, key=lambda s: s.median) if pool else None


def doc_rows(
    stats: Sequence[ExecutorStats], theory: Mapping[str, ScenarioTheory], baseline: str = BASELINE
) -> list[DocRow]:
    """The document's rows that the run measured, each with its verdict."""
    rows = []
    for sc in figs.doc_order(theory):
        th = theory[sc]
        mine = [s for s in stats if s.scenario == sc]
        if not mine:
            continue
        seq = next((s for s in mine if s.executor == baseline), None)
        best = _best(mine, baseline)
        m = Measured(
            sequential_ms=seq.median if seq else math.nan,
            parallel_ms=best.median if best else math.nan,
            parallel_executor=best.executor if best else None,
            speedup=best.speedup_median if best else math.nan,
        )
        rows.append(DocRow(sc, th, seq, tuple(s for s in mine if s.executor != baseline), best, judge(th, m)))
    return rows


def _doc_table(rows: Sequence[DocRow]) -> list[str]:
    out = [
        "| Row | Document: seq / par / speedup | Theory: E[sum] / E[max] / p95[max] | Measured seq median "
        "[95% CI] | Measured parallel medians [95% CI] | Paired speedup [95% CI] | Verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        d = r.theory.doc
        assert d is not None
        th = r.theory
        seq = f"{_ms(r.sequential.median)} {_ci(r.sequential.median_ci)}" if r.sequential else "–"
        par = "<br>".join(
            f"{s.executor}: {_ms(s.median)} {_ci(s.median_ci)}"
            + (f" ({s.n_errors} failed calls)" if s.n_errors else "")
            + (f" ({s.quota_violations} starts over quota)" if s.quota_violations else "")
            for s in r.parallel
        )
        sp = (
            f"{r.best.executor}: {_x(r.best.speedup_median)} {_ci(r.best.speedup_ci, 'x')}" if r.best else "–"
        )
        theory_cell = f"{_ms(th.expected_sum_ms)} / {_ms(th.expected_max_ms)} / {_ms(th.p95_max_ms)}"
        if th.quota is not None:
            theory_cell += f"<br>E[lower bound] {_ms(th.expected_lower_bound_ms)} (quota)"
        verdict = r.verdict.text if r.verdict else "–"
        out.append(
            f"| {_cell(d.row)} (`{r.scenario}`) | ~{_ms(d.sequential_ms)} / ~{_ms(d.parallel_ms)} / "
            f"{d.speedup:g}× | {theory_cell} | {seq} | {par or '–'} | {sp} | {_cell(verdict)} |"
        )
    return out


def findings(stats: Sequence[ExecutorStats], rows: Sequence[DocRow], baseline: str = BASELINE) -> list[str]:
    """Sentences computed from the numbers: the best executor per scenario, costly batching, doc errors."""
    out: list[str] = []
    by_sc: dict[str, list[ExecutorStats]] = {}
    for s in stats:
        by_sc.setdefault(s.scenario, []).append(s)
    for sc, ss in by_sc.items():
        best = _best(ss, baseline)
        if best is None:
            continue
        sent = f"**{sc}**: fastest is `{best.executor}` (median {_ms(best.median)} ms"
        if math.isfinite(best.speedup_median):
            sent += f", {_x(best.speedup_median)} vs {baseline}"
        sent += ")."
        faster_failing = [
            s
            for s in ss
            if s.executor != baseline and (s.n_errors or s.quota_violations) and s.median < best.median
        ]
        if faster_failing:
            sent += (
                " "
                + ", ".join(f"`{s.executor}`" for s in faster_failing)
                + " finish sooner but with failed calls or over the quota, so they are not counted."
            )
        for s in ss:
            if s.executor.split("@")[0] == "batched" and s is not best and s.median > 1.1 * best.median:
                sent += (
                    f" `{s.executor}` costs {_ms(s.median - best.median)} ms "
                    f"(+{s.median / best.median - 1:.0%}) over `{best.executor}`: each batch waits "
                    "for its slowest call."
                )
        out.append(sent)
    off = [r for r in rows if r.verdict is not None and not r.verdict.holds]
    held = [r for r in rows if r.verdict is not None and r.verdict.holds]
    if held:
        names = ", ".join(f"`{r.scenario}`" for r in held)
        out.append(f"The document's figures hold (±10%) for {names}.")
    for r in off:
        assert r.verdict is not None
        out.append(f"The document is off for `{r.scenario}`: {r.verdict.text}.")
    return out


def _scenario_table(ss: Sequence[ExecutorStats]) -> list[str]:
    out = [
        "| Executor | n | Median [95% CI] | p95 [95% CI] | p99 | Mean | IQR | Ideal (median) | Efficiency | "
        "Overhead ms (×ideal) | Paired speedup [95% CI] | Failed calls |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in ss:
        out.append(
            f"| `{s.executor}` | {s.n} | {_ms(s.median)} {_ci(s.median_ci)} | {_ms(s.p95)} {_ci(s.p95_ci)} | "
            f"{_ms(s.p99)} | {_ms(s.mean)} | {_ms(s.iqr)} | {_ms(s.ideal_median)} | {_pct(s.efficiency)} | "
            f"{_ms(s.overhead_ms)} ({_x(s.overhead_ratio)}) | {_x(s.speedup_median)} "
            f"{_ci(s.speedup_ci, 'x')} | {s.n_errors}"
            + (f" ({s.quota_violations} starts over quota)" if s.quota_violations else "")
            + " |"
        )
    return out


def _theory_line(th: ScenarioTheory) -> str:
    parts = [
        f"calls: {th.n_calls}" if th.n_calls is not None else "",
        f"E[sum] {_ms(th.expected_sum_ms)} ms",
        f"E[max] {_ms(th.expected_max_ms)} ms",
        f"p95[max] {_ms(th.p95_max_ms)} ms",
        f"E[lower bound] {_ms(th.expected_lower_bound_ms)} ms",
    ]
    if th.quota is not None:
        parts.append(f"quota: {th.quota.describe()}")
    if th.predicted_ms:
        parts.append("predicted: " + ", ".join(f"{k} {_ms(v)} ms" for k, v in th.predicted_ms.items()))
    return "Theory — " + "; ".join(p for p in parts if p) + "."


def _img(path: Path | None, root: Path, alt: str) -> list[str]:
    return [] if path is None else [f"![{alt}]({path.relative_to(root).as_posix()})", ""]


def _method(data: RunData, n_resamples: int, seed: int, baseline: str) -> list[str]:
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
        f"- Confidence intervals: bootstrap BCa {CONFIDENCE:.0%} with {n_resamples} resamples "
        f"(`scipy.stats.bootstrap`, generator seeded from the run seed); percentile method when BCa "
        "degenerates; a point interval for constant data; none for a single trial.",
        f"- Paired speedup: for each trial, the `{baseline}` makespan divided by the executor's makespan in "
        "the same trial; the table shows the median over trials and its CI.",
        "- Efficiency: lower bound / measured makespan (median over trials). Overhead: measured − ideal, "
        "where ideal is the executor's zero-overhead makespan on the same plan.",
        '- Verdict: a document figure "holds" when it is within ±10% (the document\'s "~") of both theory '
        "and measurement; the measured parallel figure is the fastest executor without failed calls.",
        "",
    ]


def _calibration_line(cal: Any) -> list[str]:
    """The sleep correction the runner applied to simulated latencies, if any (bench.run._calibrate)."""
    if not isinstance(cal, Mapping):
        return ["- Simulated latencies were not corrected for timer overshoot."]
    return [
        f"- Timer calibration: this machine's sleeps woke {cal.get('sleep_bias_s', 0) * 1e6:.0f} µs (threads) and "
        f"{cal.get('asleep_bias_s', 0) * 1e6:.0f} µs (asyncio) late at a {cal.get('probe_s', 0) * 1e3:.1f} ms "
        "probe (median); each simulated latency sleeps that much less, so the tools take their planned time and "
        "overhead measures the executor, not the timer."
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


def render_report(
    run_dir: str | Path, *, n_resamples: int = DEFAULT_RESAMPLES, baseline: str = BASELINE
) -> Path:
    """Write report.md, summary.csv, figures/*.png and trace.json into ``run_dir``; return report.md."""
    root = Path(run_dir)
    data = load_run(root)
    seed = _seed(data)
    trials = data.trials
    stats = summarize(trials, seed=seed, n_resamples=n_resamples, baseline=baseline)
    theory = parse_all(data.theory)
    executors = executor_order(trials, baseline) if not trials.empty else []
    scenarios = list(dict.fromkeys(str(s) for s in trials["scenario"]))
    reps = representative_trials(trials)
    makespans = {
        (str(sc), str(ex), int(tr)): float(mk)
        for sc, ex, tr, mk in zip(
            trials["scenario"], trials["executor"], trials["trial"], trials["makespan_ms"], strict=True
        )
    }
    fig_dir = root / FIG_DIR
    fig_dir.mkdir(exist_ok=True)

    write_text_atomic(root / "summary.csv", stats_frame(stats).to_csv(index=False, float_format="%.6g"))
    write_json_atomic(root / "trace.json", trace_events(data.calls, reps, scenarios, executors))

    rows = doc_rows(stats, theory, baseline)
    status = str(data.meta.get("status", "unknown"))
    if not data.meta:
        status_note: str | None = (
            "**No run.json: whether this run completed is unknown; the numbers below "
            "cover the trials in results.jsonl.**"
        )
    elif status == "complete":
        status_note = None
    else:
        status_note = (
            f"**This run is not complete (status: `{status}`): the numbers below cover only the "
            "trials recorded so far.**"
        )
    title = f"# pfcbench report: run `{data.meta.get('run_id', root.name)}`"
    md: list[str] = [title, ""]
    if status_note:
        md += [status_note, ""]

    md += ["## The document's table, reproduced", ""]
    if rows:
        md += [*_doc_table(rows), ""]
        md += _img(
            figs.doc_table(stats, theory, executors, fig_dir / "doc_table.png"),
            root,
            "document table: median makespan per executor with CI, document claims as lines",
        )
    else:
        md += ["This run measured none of the document's rows.", ""]
    md += ["### Findings", ""] + [f"- {f}" for f in findings(stats, rows, baseline)] + [""]
    md += replay_section(trials, seed, n_resamples)

    families: dict[str, list[str]] = {}
    for sc in scenarios:
        fam = theory[sc].family if sc in theory else sc
        families.setdefault(fam, []).append(sc)
    for sc in scenarios:
        ss = [s for s in stats if s.scenario == sc]
        md += [f"## Scenario `{sc}`", ""]
        th = theory.get(sc)
        if th is not None:
            md += [_theory_line(th), ""]
        md += [*_scenario_table(ss), ""]
        base = fig_dir / figs.slug(sc)
        md += _img(
            figs.ecdf(trials, sc, executors, base.with_name(f"{base.name}_ecdf.png")),
            root,
            f"{sc}: makespan ECDF",
        )
        md += _img(
            figs.timeline(
                data.calls,
                sc,
                reps,
                executors,
                base.with_name(f"{base.name}_timeline.png"),
                makespans=makespans,
            ),
            root,
            f"{sc}: timeline of representative trials",
        )
        if th is not None and th.quota is not None:
            md += _img(
                figs.quota_starts(
                    data.calls,
                    sc,
                    th.quota,
                    reps,
                    executors=executors,
                    path=base.with_name(f"{base.name}_quota.png"),
                ),
                root,
                f"{sc}: call starts vs quota",
            )
        md += _img(
            figs.scaling_workers(
                trials,
                sc,
                executors,
                base.with_name(f"{base.name}_workers.png"),
                baseline=baseline,
                seed=seed,
            ),
            root,
            f"{sc}: speedup vs max_workers",
        )

    fam_imgs: list[str] = []
    for fam, members in families.items():
        if len(members) >= 2:
            fam_imgs += _img(
                figs.scaling_family(
                    trials,
                    theory,
                    fam,
                    executors,
                    fig_dir / f"family_{figs.slug(fam)}.png",
                    baseline=baseline,
                    seed=seed,
                ),
                root,
                f"family {fam}: speedup vs calls",
            )
    if fam_imgs:
        md += ["## Scaling across scenario families", "", *fam_imgs]

    md += _method(data, n_resamples, seed, baseline)
    md += _warnings(check_warnings(stats), status_note)
    md += [
        "Files: `summary.csv` (one row per scenario × executor), `trace.json` (open in "
        "https://ui.perfetto.dev), figures in `figures/`.",
        "",
    ]
    out = root / "report.md"
    write_text_atomic(out, "\n".join(md))
    return out
