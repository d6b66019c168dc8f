"""What a load run and an in-process-vs-HTTP comparison are asked to do: typed, frozen, built and checked by
the command line (``bench.cli``), read by :mod:`bench.load._runs`. Field names are the settings that errors
name (in backticks: the command line shows them as its flags)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load._open_loop import DEFAULT_CONCURRENCY_CAP
from scenarios import Scenario


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """One open-loop load run per rate; ``sweep`` writes each rate under ``out/rate-<r>`` and a summary."""

    scenario: Scenario
    #: how the scenario was named (catalog name or ``file.toml[:name]``): a serve-apis child resolves it again
    scenario_ref: str
    #: queries per second, one load run each
    rates: tuple[float, ...]
    out: Path
    sweep: bool = False
    executor: str = "threaded"
    #: wall seconds of arrivals per rate
    duration: float = 10.0
    arrival: str = "poisson"
    burstiness: float = 1.0
    #: ``none``: a query is one turn's calls; ``simulated``: a whole session with the simulated model
    model: str = "none"
    model_mode: str = "parallel"
    sim_ttft_ms: float = 400.0
    #: queries in flight at most (None: a thread per query, unbounded but for MAX_QUERIES)
    concurrency_cap: int | None = DEFAULT_CONCURRENCY_CAP
    limiter: str = "per-query"
    #: ``inprocess`` or ``http`` (a serve-apis at ``url``, or a child process started for the run)
    transport: str = "inprocess"
    url: str | None = None
    seed: int = 7
    time_scale: float = 0.1
    #: seconds to wait for queries still running after the last arrival
    drain_timeout: float = 30.0
    #: a start later than this (ms) counts as late
    late_ms: float = 10.0
    #: unloaded queries run one at a time before the load, for the unloaded latency
    baseline: int = 20
    #: freeze the APIs at this second of the run, for ``stall_for`` seconds
    stall_at: float | None = None
    stall_for: float = 1.0
    #: the settings as given, recorded in load.json's ``run`` block
    recorded: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HttpCompareConfig:
    """Every executor runs every trial's plan in process and over HTTP, order alternating per trial."""

    scenario: Scenario
    scenario_ref: str
    out: Path
    executors: tuple[str, ...] = ("sequential", "threaded", "asyncio")
    trials: int = 10
    seed: int = 7
    time_scale: float = 0.1
    url: str | None = None
