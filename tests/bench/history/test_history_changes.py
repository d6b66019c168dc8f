"""Change points on synthetic histories: steps found where they began, none on flat histories, drifts of
small steps flagged, machines compared only on implementation cost."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bench.history import (
    AddOptions,
    CheckOptions,
    NoGit,
    Point,
    Series,
    add_run,
    check_history,
    commit_order,
    detect,
    open_store,
    pelt,
)
from tests.bench.history._runs import commit_id, when, write_run


def _series(levels: Sequence[float], seed: int, *, between: float = 0.01, within: float = 0.05) -> Series:
    """Per commit: a level, a commit-wide shift (seed, runner), ten trials of relative spread ``within``."""
    rng = np.random.default_rng(seed)
    pts = []
    for i, level in enumerate(levels):
        x = 500 * level * (1 + rng.normal(0, between)) * (1 + rng.normal(0, within, 10))
        m = float(np.median(x))
        pts.append(Point(commit_id(i), when(i), ("m",), tuple(x), m, m, m, m, 1.0))
    return Series("s", "threaded", "m", "median", tuple(pts))


def test_pelt_puts_a_clean_step_exactly_where_it_starts() -> None:
    """Without noise the L1 fit's change point is the first commit of the new level."""
    v = np.array([1.0] * 8 + [1.08] * 8)
    assert pelt(v, 10.0, 0.001) == [8]


def test_a_step_of_8_percent_is_found_at_commit_9() -> None:
    """16 commits, 1.00 then 1.08: a regression starting at commit 9 (±1), its interval above 0."""
    for seed in range(10):
        ch = detect(_series([1.0] * 8 + [1.08] * 8, seed), tolerance=0.05)
        (step,) = [s for s in ch.steps if s.kind == "regression"]
        assert abs(step.index - 8) <= 1 and step.low > 0 and 0.04 < step.size < 0.12, (seed, step)


def test_flat_histories_show_no_regression() -> None:
    """200 flat histories of 12 commits: none regresses; fewer than 8% show a step within the tolerance."""
    found = [detect(_series([1.0] * 12, seed), tolerance=0.05) for seed in range(200)]
    assert not any(c.regressed for c in found)
    assert sum(bool(c.steps) for c in found) < 16


def test_a_single_slow_commit_is_not_a_step() -> None:
    """One commit 30% slower (a busy runner) inside a flat history: no change point."""
    levels = [1.0] * 6 + [1.3] + [1.0] * 5
    assert all(detect(_series(levels, seed), tolerance=0.05).steps == () for seed in range(10))


def test_a_drift_of_2_percent_per_commit_is_flagged_by_its_end() -> None:
    """Six commits each 2% slower than the last: flagged (a drift, or a step beyond the tolerance)."""
    levels = [1.0] * 6 + [1.0 + 0.02 * k for k in range(1, 7)]
    flagged = sum(detect(_series(levels, seed), tolerance=0.05).regressed for seed in range(10))
    assert flagged >= 9


def test_small_steps_in_one_direction_summing_past_the_tolerance_are_a_drift() -> None:
    """Three 3% steps (each within 5%) on quiet data: reported as small steps and one drift of ~9%."""
    levels = [1.0] * 5 + [1.03] * 5 + [1.06] * 5 + [1.09] * 5
    ch = detect(_series(levels, 3, between=0.002, within=0.01), tolerance=0.05)
    assert [s.kind for s in ch.steps] == ["small"] * 3
    (drift,) = ch.drifts
    assert drift.steps == 3 and drift.fraction == pytest.approx(0.09, abs=0.02) and ch.regressed


def test_commit_order_follows_when_unless_git_knows_every_commit() -> None:
    """Times order commits git does not know."""
    assert commit_order({"bbbb": "2026-01-02", "aaaa": "2026-01-03", "cccc": "2026-01-01"}, NoGit()) == [
        "cccc",
        "bbbb",
        "aaaa",
    ]


def _history(
    tmp: Path, levels: Sequence[float], raw: Sequence[float] | None = None, machine: str = "a"
) -> Path:
    db = tmp / "h.sqlite"
    with open_store(db) as s:
        for i, level in enumerate(levels):
            run = write_run(
                tmp / f"{machine}{i}", level=level, raw_level=(raw or [1.0] * len(levels))[i], seed=i
            )
            add_run(s, run, AddOptions(commit=commit_id(i), when=when(i), machine=machine), NoGit())
    return db


def test_check_finds_the_step_in_executors_and_none_in_raw_references(tmp_path: Path) -> None:
    """Built from stored runs: the executor's cell regresses at commit 9; the raw references stay flat."""
    db = _history(tmp_path, [1.0] * 8 + [1.08] * 8)
    with open_store(db) as s:
        report = check_history(s, NoGit(), CheckOptions(against=commit_id(0), candidate=commit_id(15)))
    by_ex = {c.series.executor: c for c in report.changes}
    assert [s.index for s in by_ex["threaded"].steps] == [8]
    assert by_ex["raw-threads"].steps == () and by_ex["raw-asyncio"].steps == ()
    assert report.failed and report.baseline is not None
    (rows,) = report.baseline.by_machine.values()
    assert [r.regressed for r in rows if r.executor == "threaded"] == [True]


def test_two_machines_differ_in_raw_makespan_but_not_in_implementation_cost(tmp_path: Path) -> None:
    """A commit on a slower runner: its makespans regress against the faster one, its floor does not."""
    db = tmp_path / "h.sqlite"
    with open_store(db) as s:
        add_run(s, write_run(tmp_path / "a", seed=1), AddOptions(commit="abcd", machine="a"), NoGit())
        add_run(
            s,
            write_run(tmp_path / "b", raw_level=1.3, seed=2),
            AddOptions(commit="abcd", machine="b"),
            NoGit(),
        )
        pair = {"against": "abcd", "candidate": "abcd", "machine": "b", "baseline_machine": "a"}
        raw = check_history(s, NoGit(), CheckOptions(**pair))  # type: ignore[arg-type]
        floor = check_history(s, NoGit(), CheckOptions(normalize=True, **pair))  # type: ignore[arg-type]
    assert raw.failed and not floor.failed
    assert floor.baseline is not None
    (rows,) = floor.baseline.by_machine.values()
    assert {r.mode for r in rows} == {"difference"} and all(abs(r.value) < 1.0 for r in rows)
