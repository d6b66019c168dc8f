"""--inject-slowdown: stretches the tools' sleeps, is recorded in run.json, and leaves the scenario alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.run import RunConfig, _runner


def test_stretched_sleeps_multiply_the_requested_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync and async sleepers handed to the toolbox ask for factor x the planned delay."""
    asked: list[float] = []

    async def fake_asleep(s: float) -> None:
        asked.append(s)

    monkeypatch.setattr(_runner.time, "sleep", asked.append)
    monkeypatch.setattr(_runner.asyncio, "sleep", fake_asleep)
    sleeps = _runner._stretched_sleeps(1.1)
    sleeps["sleep"](0.5)
    asyncio.run(sleeps["asleep"](0.2))
    assert asked == [pytest.approx(0.55), pytest.approx(0.22)]


def test_injection_is_recorded_and_scenario_hash_unchanged() -> None:
    """run.json's args carry the factor; the scenario fingerprints do not change with it."""
    from scenarios import load_catalog

    s = load_catalog()["doc-3apis"]
    plain = RunConfig((s,), ("threaded",), 1, 7, 0.01, Path("x"))
    slow = RunConfig((s,), ("threaded",), 1, 7, 0.01, Path("x"), inject_slowdown=1.1)
    assert plain.args_json()["inject_slowdown"] == 1.0
    assert slow.args_json()["inject_slowdown"] == 1.1
    assert plain.args_json()["scenario_hashes"] == slow.args_json()["scenario_hashes"]
