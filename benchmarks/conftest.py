"""Micro-benchmarks (pytest-benchmark): not collected by ``pytest`` (testpaths is ``tests``); run them with
``nox -s micro`` or ``python3 -m pytest benchmarks --benchmark-only``."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # pyproject's filterwarnings = error would turn pytest-benchmark's "machine_info is different" note
    # (another runner, another py-cpuinfo) into an INTERNALERROR of --benchmark-compare; it stays a warning.
    config.addinivalue_line("filterwarnings", "default::pytest_benchmark.logger.PytestBenchmarkWarning")
