"""Runs that cannot finish are refused before anything runs, with the estimate and the overriding flag;
a huge run allowed anyway starts at once (its work list is made lazily)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from bench.run import MAX_WALL_S, RunConfig
from bench.run._sizes import Todo, check_wall, estimate_wall_s
from scenarios import load_catalog
from tests.hostile._cli import assert_one_line, pfcbench, write_scenario

WIDE = 'name = "wide"\n[[tools]]\nname = "a"\ncalls = 1001\nlatency = {dist = "constant", ms = 1}'
MATRIX = (
    'name = "m-{i}"\n[matrix]\ni = [' + ", ".join(map(str, range(501))) + ']\n[[tools]]\nname = "t"\n'
    'latency = {dist = "constant", ms = 1}'
)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--scenario", "doc-3apis", "--trials", "1000000000"], "years by theory (--trials 1000000000"),
        (["--scenario", "doc-3apis", "--trials", "1000000000"], "raise --max-wall-s"),
        (
            ["--scenario", "doc-10apis", "--trials", "2000", "--max-wall-s", "60"],
            "more than --max-wall-s 60 s",
        ),
        (["--scenario", "doc-3apis", "--max-wall-s", "nan"], "--max-wall-s: must be a number > 0"),
    ],
)
def test_too_long_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    """A run longer than the limit by theory exits 2 in one line naming the estimate and --max-wall-s."""
    out = tmp_path / "out"
    code, _, err = pfcbench(["run", *argv, "--out", out], capsys)
    assert_one_line(code, err, fragment)
    assert not (out / "run.json").exists()  # refused before run.json says "running"


@pytest.mark.parametrize(
    ("body", "executors", "fragment"),
    [
        (WIDE, ["sequential"], "makes 1001 calls per turn, more than 1000; pass --allow-huge"),
        (MATRIX, ["sequential", "threaded"], "501 scenarios x 2 executors x 1 modes = 1002 cells"),
    ],
)
def test_too_big_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, executors: list[str], fragment: str
) -> None:
    """A matrix or a turn past the documented limit exits 2 naming --allow-huge."""
    path = write_scenario(tmp_path, body)
    ex = [a for e in executors for a in ("--executor", e)]
    code, _, err = pfcbench(["run", "--scenario", path, *ex, "--out", tmp_path / "out"], capsys)
    assert_one_line(code, err, fragment)


def _config(trials: int, **kw: object) -> RunConfig:
    cat = load_catalog()
    return RunConfig(
        scenarios=(cat["doc-3apis"], cat["doc-5apis"]),
        executors=("sequential", "threaded"),
        trials=trials,
        seed=7,
        time_scale=0.1,
        out=Path("unused"),
        **kw,  # type: ignore[arg-type]
    )


def test_the_flag_defaults_to_the_documented_limit() -> None:
    """--max-wall-s defaults to bench.run.MAX_WALL_S (six hours); --allow-huge is off by default."""
    from bench.cli import build_parser

    ns = build_parser().parse_args(["run", "--scenario", "x", "--out", "o"])
    assert (ns.max_wall_s, ns.allow_huge) == (MAX_WALL_S, False)


def test_a_billion_trials_cost_nothing_until_they_run() -> None:
    """The work list of 10^9 trials has its length at once and yields its first item at once."""
    todo = Todo(_config(1_000_000_000), ("",), frozenset())
    t0 = time.perf_counter()
    assert len(todo) == 1_000_000_000 * 2 * 4  # 2 scenarios x (2 executors + 2 raw references)
    first = list(itertools.islice(todo, 8))
    assert time.perf_counter() - t0 < 1.0
    assert [(t, s.name) for t, s, *_ in first] == [(0, "doc-3apis")] * 4 + [(0, "doc-5apis")] * 4


def test_todo_skips_what_a_resumed_run_has() -> None:
    """Records already in results.jsonl are neither counted nor yielded again."""
    done = frozenset({("doc-3apis", 0, "sequential", ""), ("doc-3apis", 5, "threaded", "")})
    todo = Todo(_config(1), ("",), done)
    items = list(todo)
    assert len(todo) == len(items) == 7
    assert ("doc-3apis", "sequential") not in [(s.name, lb) for _, s, _, lb, _ in items]


def test_estimate_follows_theory() -> None:
    """The estimate is trials x the executors' predicted makespans x time_scale (+ warm-up), tools only."""
    cfg = _config(10, warmup=0, raw=False)
    theory = {
        "doc-3apis": {"predicted_ms": {"sequential": 1000.0, "threaded": 500.0}},
        "doc-5apis": {"predicted_ms": {"sequential": 2000.0, "threaded": 500.0}},
    }
    assert estimate_wall_s(cfg, theory, records=40) == pytest.approx(10 * 4.0 * 0.1)
    assert check_wall(cfg, theory, 40) is None
    assert MAX_WALL_S == 6 * 3600
    long = _config(10**6, warmup=0, raw=False)
    assert "raise `max_wall_s`" in (check_wall(long, theory, 4 * 10**6) or "")
