"""Saying when a pool is larger than any turn: ``threaded@1000000`` on 3 calls runs (and is predicted) as
``@3`` would, since a worker beyond the turn's calls never gets one; the user is told so in one line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scenarios import Scenario

#: executors whose @K counts workers (or concurrent calls), not a batch size or an initial limit
_WORKER_COUNTS = frozenset({"threaded", "asyncio", "dag"})


def clamp_note(labels: Iterable[str], scenarios: Sequence[Scenario]) -> str | None:
    """One line naming the labels whose worker count passes the most calls any turn of ``scenarios`` has."""
    most = max((len(s.calls) for s in scenarios), default=0)
    if most == 0:
        return None
    over = []
    for label in labels:
        name, _, k = label.partition("@")
        if name.removesuffix("-naive") in _WORKER_COUNTS and k.isdigit() and int(k) > most:
            over.append(label)
    if not over:
        return None
    return (
        f"pfcbench: note: {', '.join(over)}: no turn has more than {most} calls, so at most {most} workers "
        "are ever used (run and predicted as such)"
    )
