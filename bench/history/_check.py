"""``history check``: the candidate commit against a baseline commit (the gate's comparison, per machine),
and every cell's history for steps and drifts. One verdict, markdown and JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.history._changes import Changes, detect
from bench.history._compare import Comparison, StoredTrial, compare_floor, compare_makespans
from bench.history._git import Git
from bench.history._ingest import check_commit
from bench.history._series import ALL_MACHINES, commit_order, load_series
from bench.history._store import HistoryError, Store
from reports import RegressionPolicy, is_raw


@dataclass(frozen=True, slots=True)
class CheckOptions:
    against: str | None = None
    candidate: str | None = None
    base_branch: str = "main"
    metric: str = "median"
    normalize: bool = False
    scenarios: tuple[str, ...] = ()
    executors: tuple[str, ...] = ()
    #: compare the candidate's runs on ``machine`` with the baseline's on ``baseline_machine`` (an A/A of
    #: two runners: the same commit on both)
    machine: str | None = None
    baseline_machine: str | None = None
    tolerance: float = 0.05
    confidence: float = 0.99
    resamples: int = 2000
    seed: int = 0


@dataclass(frozen=True, slots=True)
class BaselineCheck:
    candidate: str
    baseline: str
    #: how the baseline was found (``merge-base of HEAD and main``, ``given``, ...)
    how: str
    #: machine -> its comparisons; empty when no machine ran both commits
    by_machine: dict[str, tuple[Comparison, ...]]


@dataclass(frozen=True, slots=True)
class CheckReport:
    changes: tuple[Changes, ...]
    baseline: BaselineCheck | None
    options: CheckOptions
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> bool:
        """A regression of an executor; the raw references' steps are the machine's, not the code's."""
        hist = any(c.regressed and not c.series.is_raw for c in self.changes)
        base = self.baseline is not None and any(
            r.regressed and not _raw(r.executor) for rows in self.baseline.by_machine.values() for r in rows
        )
        return hist or base

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "failed": self.failed,
            "options": asdict(self.options),
            "baseline": None if self.baseline is None else asdict(self.baseline),
            "cells": [
                {
                    "scenario": c.series.scenario,
                    "executor": c.series.executor,
                    "machine": c.series.machine,
                    "metric": c.series.metric,
                    "commits": [p.commit for p in c.series.points],
                    "steps": [asdict(s) for s in c.steps],
                    "drifts": [asdict(d) for d in c.drifts],
                }
                for c in self.changes
            ],
            "notes": list(self.notes),
        }


def _raw(executor: str) -> bool:
    return is_raw(executor)


def stored_commits(store: Store) -> dict[str, str]:
    """Every stored commit with its earliest ``when``."""
    rows = store.conn.execute("SELECT commit_id, MIN(when_utc) FROM runs GROUP BY commit_id").fetchall()
    return {str(c): str(w) for c, w in rows}


def find_commit(commits: Sequence[str], ref: str, where: str) -> str:
    """The stored commit a hex id (or unique prefix) names."""
    c, _ = check_commit(ref, where=where)
    hits = [x for x in commits if x.startswith(c) or c.startswith(x)]
    if len(hits) != 1:
        what = "no stored commit" if not hits else f"{len(hits)} stored commits"
        raise HistoryError(f"{where}: {ref!r} matches {what}; 'pfcbench history show' lists them")
    return hits[0]


def _nearest_stored(git: Git, sha: str, commits: Sequence[str]) -> str | None:
    """``sha`` or its nearest ancestor the store holds (git's order)."""
    stored = set(commits)
    for a in git.ancestors(sha) or [sha]:
        if a in stored:
            return a
    return None


def resolve_baseline(store: Store, git: Git, opts: CheckOptions) -> tuple[str, str, str]:
    """(candidate, baseline, how the baseline was found)."""
    when = stored_commits(store)
    if not when:
        raise HistoryError(f"{store.path}: the history store holds no runs")
    ordered = commit_order(when, git)
    if opts.candidate:
        cand = find_commit(ordered, opts.candidate, "--commit")
    else:
        head = git.head()
        cand = head if head in when else ordered[-1]
    ref = opts.against or ""
    if ref == "merge-base":
        mb = git.merge_base(cand, opts.base_branch)
        if mb is None:
            raise HistoryError(
                f"--against merge-base: git does not know the merge base of {cand[:12]} and {opts.base_branch!r} "
                "(fetch with depth 0, or pass --against SHA)"
            )
        base, how = _nearest_stored(git, mb, ordered), f"merge base of {cand[:12]} and {opts.base_branch}"
    elif all(ch in "0123456789abcdefABCDEF" for ch in ref) and len(ref) >= 4:
        base, how = find_commit(ordered, ref, "--against"), "given"
    else:
        sha = git.resolve(ref)
        on_branch = [c for c in ordered if c != cand and c in _on_branch(store, ref)]
        base = _nearest_stored(git, sha, ordered) if sha else (on_branch[-1] if on_branch else None)
        how = (
            f"{ref} as git knows it, or its nearest stored ancestor"
            if sha
            else f"newest stored commit of {ref}"
        )
    if base is None:
        raise HistoryError(f"--against {ref}: no run of it (or of an ancestor) is in {store.path}")
    return cand, base, how


def _on_branch(store: Store, branch: str) -> set[str]:
    rows = store.conn.execute("SELECT DISTINCT commit_id FROM runs WHERE branch = ?", (branch,))
    return {str(r[0]) for r in rows}


def trials_of(
    store: Store, commit: str, opts: CheckOptions, machine: str | None = None
) -> dict[str, list[StoredTrial]]:
    """A commit's trials by machine (one pool for ``normalize``), filtered as the options say."""
    rows = store.conn.execute(
        "SELECT r.machine, t.run_key, t.scenario, t.executor, t.trial, t.seed, t.time_scale, t.makespan_ms, "
        "t.impl_cost_ms FROM trials t JOIN runs r ON r.run_key = t.run_key WHERE r.commit_id = ? "
        "ORDER BY r.machine, t.run_key, t.scenario, t.executor, t.trial",
        (commit,),
    ).fetchall()
    out: dict[str, list[StoredTrial]] = {}
    for m, *rest in rows:
        t = StoredTrial(*rest)
        if machine is not None and m != machine:
            continue
        if (opts.scenarios and t.scenario not in opts.scenarios) or (
            opts.executors and t.executor not in opts.executors
        ):
            continue
        out.setdefault(ALL_MACHINES if opts.normalize else str(m), []).append(t)
    return out


def check_history(store: Store, git: Git, opts: CheckOptions) -> CheckReport:
    """Steps and drifts of every cell, and (with ``against``) the candidate against its baseline."""
    series = load_series(
        store,
        git,
        metric=opts.metric,
        scenarios=opts.scenarios,
        executors=opts.executors,
        normalize=opts.normalize,
    )
    changes = tuple(detect(s, tolerance=opts.tolerance, seed=opts.seed) for s in series)
    notes = []
    if not opts.normalize and len({s.machine for s in series}) > 1:
        notes.append(
            "several machines: each is its own history (--normalize floor pools them on implementation cost)"
        )
    baseline = None
    if opts.against is not None:
        cand, base, how = resolve_baseline(store, git, opts)
        if cand == base and opts.machine == opts.baseline_machine:
            raise HistoryError(
                f"--against: the baseline is the candidate itself ({cand[:12]}); to compare two runners of "
                "one commit pass --machine NAME --baseline-machine NAME"
            )
        by_machine = _by_machine(store, cand, base, opts)
        if not by_machine:
            notes.append(
                f"n/a: no machine ran both {cand[:12]} and {base[:12]}; the baseline comparison is not made "
                "(pass --normalize floor to compare implementation cost across machines)"
            )
        baseline = BaselineCheck(cand, base, how, by_machine)
    return CheckReport(changes, baseline, opts, tuple(notes))


def _by_machine(store: Store, cand: str, base: str, opts: CheckOptions) -> dict[str, tuple[Comparison, ...]]:
    """Comparisons per machine that ran both commits, or of the two machines the options name."""
    if opts.machine is None and opts.baseline_machine is None:
        ct, bt = trials_of(store, cand, opts), trials_of(store, base, opts)
        return {m: tuple(_compare(bt[m], ct[m], opts)) for m in ct if m in bt}
    c = [t for ts in trials_of(store, cand, opts, opts.machine).values() for t in ts]
    b = [t for ts in trials_of(store, base, opts, opts.baseline_machine).values() for t in ts]
    label = f"{opts.machine or 'any machine'} vs {opts.baseline_machine or 'any machine'}"
    return {label: tuple(_compare(b, c, opts))} if b and c else {}


def _compare(base: list[StoredTrial], cand: list[StoredTrial], opts: CheckOptions) -> list[Comparison]:
    if opts.normalize or opts.metric == "implementation-cost":
        return compare_floor(base, cand, tolerance=opts.tolerance, confidence=opts.confidence)
    policy = RegressionPolicy(opts.tolerance, opts.confidence, opts.resamples, opts.seed)
    return compare_makespans(base, cand, policy)
