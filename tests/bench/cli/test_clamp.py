"""The one line saying a pool is wider than any turn."""

from __future__ import annotations

import pytest

from bench.cli._clamp import clamp_note
from scenarios import load_catalog

THREE = load_catalog()["doc-3apis"]


def test_a_pool_beyond_every_turn_is_said_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """The note names the oversized labels and the most calls a turn has; a pool within it gets none."""
    note = clamp_note(["threaded@1000000", "asyncio@2", "batched@50", "dag@4"], [THREE])
    assert note is not None and "threaded@1000000, dag@4" in note and "3 calls" in note
    assert clamp_note(["threaded@3", "sequential"], [THREE]) is None
