"""Runs that cannot finish are refused before anything runs, with the estimate and the overriding flag;
a huge run allowed anyway starts at once (its work list is made lazily)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.run import MAX_WALL_S
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


def test_the_flag_defaults_to_the_documented_limit() -> None:
    """--max-wall-s defaults to bench.run.MAX_WALL_S (six hours); --allow-huge is off by default."""
    from bench.cli import build_parser

    ns = build_parser().parse_args(["run", "--scenario", "x", "--out", "o"])
    assert (ns.max_wall_s, ns.allow_huge) == (MAX_WALL_S, False)
