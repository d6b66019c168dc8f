"""Figures drawn on two cores come back in order, and a figure the forked child cannot draw is drawn (and
fails, if it must) in this process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reports._drawing import draw_all, split


def test_draw_all_returns_every_path_in_order(tmp_path: Path) -> None:
    """Paths and Nones come back in job order, whichever process drew them."""
    paths = [tmp_path / f"{i}.png" for i in range(5)]

    def job(i: int) -> Path | None:
        if i == 3:
            return None
        paths[i].write_text(str(os.getpid()), encoding="utf-8")
        return paths[i]

    assert draw_all([lambda i=i: job(i) for i in range(5)]) == [paths[0], paths[1], paths[2], None, paths[4]]


def test_a_failing_figure_fails_here(tmp_path: Path) -> None:
    """A job that raises in the child is run again here, so its exception reaches the caller."""

    def bad() -> Path | None:
        raise RuntimeError("no figure")

    with pytest.raises(RuntimeError, match="no figure"):
        draw_all([lambda: None, bad])


def test_split_shares_the_expected_cost() -> None:
    """Cheap jobs (weight near 0) do not count as a figure: ten real figures split five and five."""
    weights = [1.0, 1.0, 1.0, 0.1, 1.0, 1.0, 0.1, 1.0, 1.0, 0.1, 1.0, 1.0, 1.0, 0.1]
    mine, theirs = split(weights)
    assert sorted(mine + theirs) == list(range(len(weights)))
    assert abs(sum(weights[i] for i in mine) - sum(weights[i] for i in theirs)) < 0.5
    assert sum(weights[i] == 1.0 for i in mine) == sum(weights[i] == 1.0 for i in theirs) == 5
