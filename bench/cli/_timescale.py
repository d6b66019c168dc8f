"""The one time-scale rule of every command that takes a scenario (run, advise, load, experiments): real
tools (Python, HTTP) run at time scale 1, which is their default and their only value; simulated scenarios
default to ``SIMULATED_TIME_SCALE``, the same in every command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bench.cli._args import UsageError, positive_float

if TYPE_CHECKING:
    from scenarios import Scenario

#: wall seconds per document second of a simulated run when --time-scale is not given (a 500 ms call: 50 ms)
SIMULATED_TIME_SCALE = 0.1

HELP = (
    "wall seconds per document second: 0.1 runs a 500 ms simulated call in 50 ms (default "
    f"{SIMULATED_TIME_SCALE:g} for simulated scenarios; 1, the only value allowed, when a scenario has real "
    "Python or HTTP tools)"
)

#: the flag's help in commands that take simulated scenarios only (load, serve-apis, http-compare, experiments)
SIMULATED_HELP = f"wall seconds per document second: 0.1 runs a 500 ms simulated call in 50 ms (default {SIMULATED_TIME_SCALE:g})"


def add_time_scale(p: argparse.ArgumentParser, what: str = "") -> None:
    """The ``--time-scale`` flag, default None: :func:`resolve_time_scale` decides once the scenarios are known."""
    p.add_argument(
        "--time-scale", type=positive_float, default=None, help=HELP + (f"; {what}" if what else "")
    )


def resolve_time_scale(given: float | None, scenarios: Sequence[Scenario]) -> float:
    """The time scale to run at: 1 for real tools (said on stderr when not given; anything else explicit is
    one line, exit 2, before any work), else ``given`` or the simulated default."""
    from scenarios import ScenarioError, check_time_scale

    real = [s.name for s in scenarios if s.real_tools()]
    if not real:
        return SIMULATED_TIME_SCALE if given is None else given
    if given is None:
        print(
            f"pfcbench: time scale 1: {', '.join(real)} has real tools, whose work no time scale shrinks",
            file=sys.stderr,
        )
        return 1.0
    try:
        check_time_scale(scenarios, given)
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    return given
