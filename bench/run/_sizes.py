"""How big a run is before it starts: the work list made lazily (a billion trials cost no memory), and the
run refused in one line when it cannot finish — too many cells, too many calls per turn, or an estimated
wall time past the limit. Each refusal gives the estimate and the setting that overrides it.

The wall-time estimate is theory's: for every record still to run, the executor's predicted makespan
(``theory.json``'s ``predicted_ms``; the raw references at the expected lower bound), in document ms,
times ``time_scale`` and the injected slowdown, plus the warm-up trials. Model time is not in it (a model
run's sessions take at least that long), so the estimate is a floor.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.run._config import RunConfig
from bench.run._quota_scale import scale_for
from scenarios import Scenario

#: scenarios x executors (x model modes) at most, unless ``allow_huge``: each cell is a line in every table
MAX_CELLS = 1_000
#: calls in one turn at most, unless ``allow_huge``: the threaded executors start a thread per call
MAX_TURN_CALLS = 1_000

Item = tuple[int, Scenario, str, str, int]


def executor_order(labels: Sequence[str], seed: int, trial: int) -> list[str]:
    """A fresh random order per trial, so slow drift of the machine is spread over all executors."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, trial, 0x0D0E]))
    return [labels[i] for i in rng.permutation(len(labels))]


@dataclass(frozen=True, slots=True)
class Todo:
    """The (trial, scenario, mode, label, position) items still to run, in run order, made as they are
    iterated; ``len`` is arithmetic, so a huge run costs nothing until it runs."""

    config: RunConfig
    modes: tuple[str, ...]
    done: frozenset[tuple[str, int, str, str]]

    def _in_scope(self) -> int:
        names = {s.name for s in self.config.scenarios}
        labels = set(self.config.labels + self.config.references)
        return sum(
            1
            for s, t, lb, m in self.done
            if s in names and t < self.config.trials and lb in labels and m in self.modes
        )

    def __len__(self) -> int:
        c = self.config
        full = c.trials * len(c.scenarios) * len(self.modes) * len(c.labels + c.references)
        return full - self._in_scope()

    def __iter__(self) -> Iterator[Item]:
        c = self.config
        for trial in range(c.trials):
            order = executor_order(c.labels + c.references, c.seed, trial)
            for s in c.scenarios:
                for mode in self.modes:
                    for pos, label in enumerate(order):
                        if (s.name, trial, label, mode) not in self.done:
                            yield trial, s, mode, label, pos


def check_shape(config: RunConfig, modes: Sequence[str]) -> str | None:
    """Why the run's matrix or turns are too big (one line), or None; ``allow_huge`` lifts both limits."""
    if config.allow_huge:
        return None
    cells = len(config.scenarios) * len(config.labels) * len(modes)
    if cells > MAX_CELLS:
        return (
            f"{len(config.scenarios)} scenarios x {len(config.labels)} executors x {len(modes)} modes = "
            f"{cells} cells, more than {MAX_CELLS}; pass `allow_huge` to run it anyway"
        )
    wide = max(config.scenarios, key=lambda s: len(s.calls), default=None)
    if wide is not None and len(wide.calls) > MAX_TURN_CALLS:
        return (
            f"scenario {wide.name!r} makes {len(wide.calls)} calls per turn, more than {MAX_TURN_CALLS}; "
            "pass `allow_huge` to run it anyway"
        )
    return None


def estimate_wall_s(config: RunConfig, theory: Mapping[str, Mapping[str, Any]], records: int) -> float:
    """Seconds the remaining ``records`` (and the warm-up) will take by theory, tools only."""
    per_trial = 0.0  # seconds for one trial of every scenario and label
    for s in config.scenarios:
        t = theory[s.name]
        predicted = t.get("predicted_ms", {})
        floor = float(t.get("expected_lower_bound_ms") or 0.0)
        doc_ms = sum(float(predicted.get(lb, floor)) for lb in config.labels) + floor * len(config.references)
        per_trial += doc_ms * scale_for(config, s)  # a quota scenario may run slower (its grace floor)
    per_trial *= config.inject_slowdown / 1000
    cells = len(config.scenarios) * (len(config.labels) + len(config.references))
    return per_trial * (records / max(cells, 1) + config.warmup)


def check_wall(config: RunConfig, theory: Mapping[str, Mapping[str, Any]], records: int) -> str | None:
    """Why the run would take too long (one line with the estimate), or None."""
    est = estimate_wall_s(config, theory, records)
    if est <= config.max_wall_s:
        return None
    return (
        f"{records} records would take about {_duration(est)} by theory (`trials` {config.trials} at "
        f"`time_scale` {config.time_scale:g}), more than `max_wall_s` {config.max_wall_s:g} s; "
        "lower `trials` or raise `max_wall_s`"
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 3 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    if seconds < 3 * 365 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (365 * 86400):.2g} years"
