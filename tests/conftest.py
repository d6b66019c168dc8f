"""Shared fixtures: a fake clock and sleeper so scheduling logic can be tested exactly."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest


class FakeClock:
    """A manual clock: ``sleep`` advances it instantly, so schedules are exact and tests are fast.

    Thread-safe so that executors with threads can share it (each sleeper advances time to at least its own
    wake-up, which is what a single CPU would show); use with one thread when the order matters."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def run_argv(scenario: str, executor: str, trials: int, *more: str) -> list[str]:
    """``pfcbench run`` arguments for one scenario, executor and trial count, then ``more``."""
    return ["run", "--scenario", scenario, "--executor", executor, "--trials", str(trials), *more]


def shared_tool(name: str) -> Path:
    """A checker of ``shared/tools`` beside the checkout (/work/shared, for the main tree and worktrees
    alike); a path that does not exist when there is none, so callers can skip."""
    here = Path(__file__).resolve().parents
    return next(
        (p / "shared" / "tools" / name for p in here if (p / "shared" / "tools" / name).exists()), Path(name)
    )
