"""CI gates on a run directory: k6-style thresholds per scenario/executor, and a regression test against a
baseline run measured in the same CI job.

The regression test is a **seeded percentile-bootstrap CI of the median makespan ratio** candidate/baseline,
and a slowdown fails only when the whole CI lies above ``1 + tolerance``: slower than the tolerance with
the stated confidence. The comparison itself is ``reports._comparison.judge_cells``, the one function
``compare`` and ``history`` judge with too. Why a bootstrap and not Mann-Whitney U (asv's test):

- pfcbench runs are paired. Two runs with the same seed replay the same planned latencies trial by trial
  (common random numbers), so the per-trial ratio ``candidate / baseline`` cancels the plan's variance —
  which dwarfs the code's: a U(100, 500) ms plan swings a makespan by 5x between trials, a regression by
  10%. Mann-Whitney ranks the two samples as unpaired and would need far more trials to see 10% through
  that spread; the paired ratio sees it with five.
- The tolerance is a statement about an effect size ("more than 5% slower"). A CI of the ratio answers it
  directly; a p-value does not say how large the slowdown is.
- Medians and a percentile bootstrap make no normality assumption (latencies are skewed) and stay defined
  for small samples, where BCa is unstable.

When the runs cannot be paired (different seeds or trial sets, or real tools) the gate falls back to an unpaired bootstrap
of ``median(candidate) / median(baseline)`` and says so. Runs whose scenario hash or time scale differ are
refused: their makespans measure different things. A slowdown injected with ``pfcbench run
--inject-slowdown`` (tool latency multiplied at run time, recorded in run.json) is allowed: that is how the
gate's power is measured (``tools/gate_power.py``).
"""

from __future__ import annotations

import json
import math
import operator
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reports._comparison import CellComparison, group, judge_cells
from reports._comparison import RegressionPolicy as RegressionPolicy  # noqa: PLC0414  # reports' face takes it from here
from reports._policy import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_TOLERANCE, MIN_TEST_TRIALS
from reports._schema import TrialRecord, is_raw, read_results

#: what a threshold can be written about, and in which unit family
TIME_METRICS = ("p50", "p95", "p99", "max", "mean", "overhead_ms")
RATIO_METRICS = ("speedup", "efficiency")
SHARE_METRICS = ("error_rate",)
METRICS = TIME_METRICS + RATIO_METRICS + SHARE_METRICS

OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}
_EXPR = re.compile(
    r"^\s*(?P<metric>[a-z0-9_]+)\s*(?P<op><=|>=|==|<|>)\s*(?P<num>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)"
    r"\s*(?P<unit>ms|s|%)?\s*$"
)
_ALLOWED_EXPR = (
    f"'METRIC OP VALUE' with METRIC one of {', '.join(METRICS)}; OP one of < <= > >= ==; "
    "times in ms or s (document time), error_rate as a fraction or %, speedup/efficiency as plain numbers"
)

#: trials per executor at which tools/gate_power.py validated the defaults (reports._comparison's)
MIN_REGRESSION_TRIALS = 10
_REGRESSION_KEYS = {"tolerance", "confidence", "resamples", "seed", "executors", "scenarios"}


class GateError(ValueError):
    """Bad gate input (spec file, run directory, incomparable runs): one line for the user; exit 2."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """One condition; ``value`` in canonical units: document ms for times, a fraction for error_rate."""

    metric: str
    op: str
    value: float
    text: str

    def holds(self, measured: float) -> bool:
        return OPS[self.op](measured, self.value)


@dataclass(frozen=True, slots=True)
class GateRule:
    """The thresholds for a ``scenario/executor`` key; either part may be ``*``."""

    scenario: str
    executor: str
    thresholds: tuple[Threshold, ...]

    @property
    def key(self) -> str:
        return f"{self.scenario}/{self.executor}"

    def matches(self, scenario: str, executor: str) -> bool:
        return self.scenario in ("*", scenario) and self.executor in ("*", executor)


@dataclass(frozen=True, slots=True)
class GateSpec:
    path: str
    rules: tuple[GateRule, ...] = ()
    regression: RegressionPolicy = field(default_factory=RegressionPolicy)


#: the spec of ``pfcbench gate CANDIDATE --baseline BASE`` without ``--spec``: no thresholds, every cell the
#: two runs share compared at the default policy
NO_SPEC = GateSpec(path="(no --spec: every shared scenario × executor, default policy)")


# --------------------------------------------------------------------------------------------- parsing


def load_spec(path: str | Path) -> GateSpec:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise GateError(f"{p}: cannot read the gate file ({exc.strerror})") from None
    return parse_spec(text, where=str(p))


def parse_spec(text: str, *, where: str = "gates.toml") -> GateSpec:
    """Parse a gate file strictly: every problem names the file, the key and what is allowed."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GateError(f"{where}: not valid TOML ({exc})") from None
    unknown = sorted(set(doc) - {"gates", "regression"})
    if unknown:
        raise GateError(f"{where}: unknown table {unknown[0]!r}; allowed: [gates], [regression]")
    gates = doc.get("gates", {})
    if not isinstance(gates, dict):
        raise GateError(f'{where}: \'gates\' must be a table of "scenario/executor" = ["p95 < 500ms", ...]')
    rules = tuple(_parse_rule(where, key, value) for key, value in gates.items())
    reg = doc.get("regression", {})
    if not isinstance(reg, dict):
        raise GateError(
            f"{where}: 'regression' must be a table with keys {', '.join(sorted(_REGRESSION_KEYS))}"
        )
    return GateSpec(path=where, rules=rules, regression=_parse_policy(where, reg))


def _parse_rule(where: str, key: str, value: Any) -> GateRule:
    scenario, sep, executor = key.partition("/")
    if not sep or not scenario or not executor or "/" in executor:
        raise GateError(
            f'{where}: [gates] key {key!r} must be "SCENARIO/EXECUTOR" (either may be *), '
            'e.g. "doc-10apis/threaded"'
        )
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise GateError(f'{where}: [gates] {key!r} must be a non-empty list of strings like "p95 < 520ms"')
    return GateRule(
        scenario, executor, tuple(parse_threshold(v, where=f"{where}: [gates] {key!r}") for v in value)
    )


def parse_threshold(text: str, *, where: str = "threshold") -> Threshold:
    m = _EXPR.match(text)
    if m is None:
        raise GateError(f"{where}: cannot read {text!r}; write {_ALLOWED_EXPR}")
    metric, op, num, unit = m["metric"], m["op"], float(m["num"]), m["unit"]
    if metric not in METRICS:
        raise GateError(f"{where}: unknown metric {metric!r} in {text!r}; allowed: {', '.join(METRICS)}")
    if metric in TIME_METRICS:
        if unit not in ("ms", "s"):
            raise GateError(
                f"{where}: {text!r} needs a unit, ms or s (document time, e.g. '{metric} {op} 500ms')"
            )
        value = num * 1000 if unit == "s" else num
    elif metric in SHARE_METRICS:
        if unit not in (None, "%"):
            raise GateError(f"{where}: {text!r}: error_rate is a fraction (0.01) or a percentage (1%)")
        value = num / 100 if unit == "%" else num
        if not 0 <= value <= 1:
            raise GateError(f"{where}: {text!r}: error_rate must lie between 0 and 1 (0% and 100%)")
    else:
        if unit is not None:
            raise GateError(f"{where}: {text!r}: {metric} is a plain number (a ratio), without a unit")
        value = num
    return Threshold(metric, op, value, " ".join(text.split()))


def _parse_policy(where: str, reg: Mapping[str, Any]) -> RegressionPolicy:
    unknown = sorted(set(reg) - _REGRESSION_KEYS)
    if unknown:
        raise GateError(
            f"{where}: [regression] unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_REGRESSION_KEYS))}"
        )
    tol = reg.get("tolerance", DEFAULT_TOLERANCE)
    if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 <= tol < 10:
        raise GateError(f"{where}: [regression] tolerance must be a number in [0, 10), e.g. 0.05 for 5%")
    conf = reg.get("confidence", DEFAULT_CONFIDENCE)
    if isinstance(conf, bool) or not isinstance(conf, float) or not 0.5 <= conf < 1:
        raise GateError(f"{where}: [regression] confidence must be a number in [0.5, 1), e.g. 0.99")
    resamples = reg.get("resamples", DEFAULT_RESAMPLES)
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 100:
        raise GateError(f"{where}: [regression] resamples must be a whole number >= 100")
    seed = reg.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise GateError(f"{where}: [regression] seed must be a whole number")
    names: dict[str, tuple[str, ...]] = {}
    for key in ("scenarios", "executors"):
        v = reg.get(key, ["*"])
        if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
            raise GateError(f'{where}: [regression] {key} must be a non-empty list of names or ["*"]')
        names[key] = tuple(v)
    return RegressionPolicy(float(tol), float(conf), resamples, seed, names["scenarios"], names["executors"])


# --------------------------------------------------------------------------------------------- metrics


def _doc_ms(seconds: float, time_scale: float) -> float:
    return seconds / time_scale * 1000


def compute_metrics(
    records: Sequence[TrialRecord], sequential: Sequence[TrialRecord] | None
) -> dict[str, float]:
    """Every threshold metric of one (scenario, executor); ``speedup`` only when sequential records exist.

    Percentiles are numpy's linear interpolation; times are document ms (wall seconds / time_scale)."""
    ms = np.array([_doc_ms(r.makespan_s, r.time_scale) for r in records])
    ideal = np.array([_doc_ms(r.ideal_s, r.time_scale) for r in records])
    eff = np.array([r.lower_bound_s / r.makespan_s if r.makespan_s > 0 else math.nan for r in records])
    calls = [c for r in records for c in r.calls]
    out = {
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "p99": float(np.percentile(ms, 99)),
        "max": float(ms.max()),
        "mean": float(ms.mean()),
        "overhead_ms": float(np.median(ms - ideal)),
        "efficiency": float(np.median(eff)),
        "error_rate": sum(c.status != "ok" for c in calls) / len(calls) if calls else 0.0,
    }
    if sequential:
        seq = {r.trial: r.makespan_s for r in sequential}
        ratios = [seq[r.trial] / r.makespan_s for r in records if r.trial in seq and r.makespan_s > 0]
        if ratios:
            out["speedup"] = float(np.median(ratios))
    return out


@dataclass(frozen=True, slots=True)
class GateCheck:
    """One threshold evaluated on one (scenario, executor)."""

    scenario: str
    executor: str
    rule: str
    threshold: str
    metric: str
    measured: float
    limit: float
    passed: bool
    trials: int


def evaluate(
    records: Sequence[TrialRecord], rules: Sequence[GateRule], *, where: str = "gates"
) -> list[GateCheck]:
    """Every threshold of every rule on every (scenario, executor) it matches, in the run's order."""
    groups = group(records)
    checks: list[GateCheck] = []
    for rule in rules:
        hits = [k for k in groups if rule.matches(*k)]
        if not hits and "*" not in (rule.scenario, rule.executor):
            raise GateError(
                f"{where}: [gates] {rule.key!r} matches no records in the run "
                f"(it has {', '.join(sorted({f'{s}/{e}' for s, e in groups}))})"
            )
        for scenario, executor in hits:
            rs = groups[(scenario, executor)]
            values = compute_metrics(rs, groups.get((scenario, "sequential")))
            for t in rule.thresholds:
                if t.metric not in values:
                    raise GateError(
                        f"{where}: [gates] {rule.key!r}: {t.metric!r} on {scenario}/{executor} needs "
                        "'sequential' records of the same scenario in the run (pass --executor sequential)"
                    )
                v = values[t.metric]
                checks.append(
                    GateCheck(scenario, executor, rule.key, t.text, t.metric, v, t.value, t.holds(v), len(rs))
                )
    return checks


# ------------------------------------------------------------------------------------------ regression


@dataclass(frozen=True, slots=True)
class Regression:
    """Candidate vs baseline makespan on one (scenario, executor), as gate.json writes it."""

    scenario: str
    executor: str
    mode: str  # "paired" (same seed and trials, simulated tools: per-trial ratios) or "unpaired"
    n_base: int
    n_cand: int
    ratio: float
    ci_low: float
    ci_high: float
    #: the whole CI lies above 1
    significant: bool
    #: the whole CI lies above 1 + tolerance: the gate fails
    regressed: bool
    #: False when either run had fewer than MIN_TEST_TRIALS trials: shown, never failed
    tested: bool = True
    #: the smallest slowdown this cell's spread would let fail (0.12 = 12%); NaN when untested
    min_detectable: float = math.nan
    #: a real tool's own cell (its call durations), "" for the makespan
    tool: str = ""

    @classmethod
    def of(cls, c: CellComparison) -> Regression:
        return cls(
            c.scenario, c.executor, c.mode, c.n_base, c.n_cand, c.ratio, c.ci.low, c.ci.high,
            c.slower, c.regressed, c.tested, c.min_detectable, c.tool,
        )  # fmt: skip


def find_regressions(
    base: Sequence[TrialRecord], cand: Sequence[TrialRecord], policy: RegressionPolicy
) -> list[Regression]:
    """Per (scenario, executor) present in both runs and covered by the policy: is the candidate slower?"""
    return [Regression.of(c) for c in judge_cells(base, cand, policy, policy.covers)]


# ------------------------------------------------------------------------------------------- run files


@dataclass(frozen=True, slots=True)
class RunFiles:
    path: Path
    records: tuple[TrialRecord, ...]
    meta: Mapping[str, Any]
    #: why the records may not be the whole run (dropped lines, a count run.json disagrees with)
    problems: tuple[str, ...] = ()

    @property
    def injected(self) -> float:
        v = self.meta.get("args", {}).get("inject_slowdown", 1.0)
        return float(v) if isinstance(v, int | float) else 1.0


def load_gate_run(path: str | Path, *, role: str = "DIR") -> RunFiles:
    p = Path(path)
    results = p / "results.jsonl"
    if not results.is_file():
        raise GateError(f"{role} {p}: no results.jsonl here (run 'pfcbench run --out {p}' first)")
    read = read_results(results)
    # the raw references (machine floor) are not executors: no threshold or regression test applies
    records = tuple(r for r in read.records if not is_raw(r.executor))
    if not records:
        why = "; ".join(read.problems({})) or "the file is empty"
        raise GateError(f"{role} {p}: results.jsonl holds no records ({why})")
    meta: Mapping[str, Any] = {}
    try:
        loaded = json.loads((p / "run.json").read_text(encoding="utf-8"))
        meta = loaded if isinstance(loaded, dict) else {}
    except (OSError, json.JSONDecodeError):
        pass  # run.json adds context (machine, injection); the records alone are enough to gate
    return RunFiles(p, records, meta, tuple(f"{p}: {w}" for w in read.problems(meta)))


def check_comparable(base: RunFiles, cand: RunFiles) -> list[str]:
    """Refuse runs that measure different things; return notes on differences that only weaken the test."""
    bh = {r.scenario: (r.scenario_hash, r.time_scale) for r in base.records}
    ch = {r.scenario: (r.scenario_hash, r.time_scale) for r in cand.records}
    common = sorted(set(bh) & set(ch))
    if not common:
        raise GateError(
            f"`baseline` {base.path}: no scenario in common with {cand.path} "
            f"({', '.join(sorted(bh))} vs {', '.join(sorted(ch))})"
        )
    for s in common:
        if bh[s][0] != ch[s][0]:
            raise GateError(
                f"`baseline` {base.path}: scenario {s!r} differs (hash {bh[s][0]!r} vs {ch[s][0]!r}); "
                "runs of different scenario definitions are not compared"
            )
        if bh[s][1] != ch[s][1]:
            raise GateError(
                f"`baseline` {base.path}: time_scale differs for {s!r} ({bh[s][1]} vs {ch[s][1]}); "
                "rerun both with the same `time_scale`"
            )
    notes = []
    only = sorted(set(bh) ^ set(ch))
    if only:
        notes.append(f"not compared (in one run only): {', '.join(only)}")
    bm, cm = base.meta.get("machine"), cand.meta.get("machine")
    if bm and cm and bm != cm:
        notes.append(
            "baseline and candidate ran on different machines; run both in the same CI job so the "
            "ratio measures the code, not the runner"
        )
    if base.injected != 1.0 or cand.injected != 1.0:
        notes.append(f"injected slowdown: baseline x{base.injected:g}, candidate x{cand.injected:g}")
    return notes


# --------------------------------------------------------------------------------------------- verdict


@dataclass(frozen=True, slots=True)
class GateVerdict:
    run: str
    spec: str
    baseline: str | None
    checks: tuple[GateCheck, ...]
    regressions: tuple[Regression, ...]
    policy: RegressionPolicy
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks) and not any(r.regressed for r in self.regressions)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "passed": self.passed,
            "run": self.run,
            "spec": self.spec,
            "baseline": self.baseline,
            "policy": asdict(self.policy),
            "checks": [asdict(c) for c in self.checks],
            "regressions": [asdict(r) for r in self.regressions],
            "notes": list(self.notes),
        }

    def to_markdown(self) -> str:
        failed = sum(not c.passed for c in self.checks) + sum(r.regressed for r in self.regressions)
        head = (
            "✅ **pfcbench gate passed**"
            if self.passed
            else f"❌ **pfcbench gate failed** ({failed} failing)"
        )
        lines = [f"## pfcbench gate: {self.run}", "", head, ""]
        if self.checks:
            lines += [
                f"### Thresholds ({self.spec})",
                "",
                "| | scenario | executor | threshold | measured | trials |",
                "|---|---|---|---|---|---:|",
            ]
            lines += [
                f"| {'✅' if c.passed else '❌'} | {c.scenario} | {c.executor} | `{c.threshold}` | "
                f"{_fmt(c.metric, c.measured)} | {c.trials} |"
                for c in self.checks
            ]
            lines.append("")
        if self.baseline is not None:
            lines += _regression_lines(self.baseline, self.policy, self.regressions)
        lines += [f"- {n}" for n in self.notes]
        return "\n".join(lines).rstrip() + "\n"


def _regression_lines(baseline: str, p: RegressionPolicy, regressions: Sequence[Regression]) -> list[str]:
    modes = sorted({r.mode for r in regressions})
    lines = [
        f"### Regression vs {baseline}",
        "",
        f"Fails when the {p.confidence:.0%} bootstrap CI of the median makespan ratio new/base lies wholly "
        f"above {1 + p.tolerance:.2f} (tolerance {p.tolerance:.0%}; ⚠️: slower beyond doubt but not beyond the "
        f"tolerance). Compared {', '.join(modes) or 'nothing'}: paired = per-trial ratios (same seed and "
        "plans), unpaired = median over median (different seeds or trials, or real tools). *Detects* is the "
        "smallest slowdown that would fail with the spread this cell showed. A real tool also gets its own "
        "cells: its calls' durations, unpaired.",
        "",
        "| | scenario | executor | new/base | CI | mode | trials | detects |",
        "|---|---|---|---:|---|---|---:|---:|",
    ]
    for r in regressions:
        mark = "❌" if r.regressed else ("⚠️" if r.significant else "✅")
        ci = f"[{r.ci_low:.3f}, {r.ci_high:.3f}]" if r.tested else f"not tested (< {MIN_TEST_TRIALS} trials)"
        mds = f"≥ {r.min_detectable:.0%}" if math.isfinite(r.min_detectable) else "–"
        what = f"{r.executor}: tool `{r.tool}`" if r.tool else r.executor
        lines.append(
            f"| {mark} | {r.scenario} | {what} | {r.ratio:.3f} | {ci} | {r.mode} | {r.n_cand} | {mds} |"
        )
    tested = [r.min_detectable for r in regressions if math.isfinite(r.min_detectable)]
    if tested:
        lines += [
            "",
            f"With these trials the gate detects slowdowns of {max(tested):.0%} or more in every cell.",
        ]
    return [*lines, ""]


def _fmt(metric: str, v: float) -> str:
    if metric in TIME_METRICS:
        return f"{v:.1f} ms"
    if metric in SHARE_METRICS:
        return f"{v:.2%}"
    return f"{v:.3f}"


def run_gate(run_dir: str | Path, spec: GateSpec, baseline_dir: str | Path | None = None) -> GateVerdict:
    """Load, check and judge: raises GateError for bad input, returns the verdict otherwise."""
    cand = load_gate_run(run_dir)
    checks = evaluate(cand.records, spec.rules, where=spec.path)
    notes: list[str] = list(cand.problems)
    few = sorted({len(rs) for rs in group(cand.records).values()})
    if few and few[0] < 5:
        notes.append(f"only {few[0]} trials per executor: percentiles and CIs are rough")
    regressions: list[Regression] = []
    base_path = None
    if baseline_dir is not None:
        base = load_gate_run(baseline_dir, role="`baseline`")
        notes += [*base.problems, *check_comparable(base, cand)]
        regressions = find_regressions(base.records, cand.records, spec.regression)
        base_path = str(base.path)
        if regressions and min(r.n_cand for r in regressions) < MIN_REGRESSION_TRIALS:
            notes.append(
                f"fewer than {MIN_REGRESSION_TRIALS} trials per executor: the default policy was validated at "
                f"{MIN_REGRESSION_TRIALS} (tools/gate_power.py); with 5 on a loaded machine its A/A "
                "false-positive rate reached 10%"
            )
        if any(r.mode == "unpaired" for r in regressions):
            notes.append(
                "some comparisons are unpaired (different seeds or trials, or real tools, whose durations no "
                "seed replays); for simulated scenarios run both with the same --seed and --trials for a "
                "paired test"
            )
    if not checks and not regressions:
        raise GateError(
            f"{spec.path}: checked nothing in {cand.path} (no threshold matched a record"
            + ("" if baseline_dir is None else ", and the runs share no covered scenario × executor cell")
            + "); a gate never passes having looked at nothing"
        )
    return GateVerdict(
        run=str(cand.path),
        spec=spec.path,
        baseline=base_path,
        checks=tuple(checks),
        regressions=tuple(regressions),
        policy=spec.regression,
        notes=tuple(notes),
    )
