"""Dependencies between one turn's calls: graph checks, topological order, levels, and ``$from`` arguments.

A call's ``after`` names the calls whose results it needs; an argument ``{"$from": "c0"}`` (optionally with
``"key": "field"``) is replaced by call c0's value just before the call starts. Executors refuse a cyclic
graph or an unknown id here, naming the cycle, instead of running it (the document's grouper silently runs
a cycle in parallel).
"""

from __future__ import annotations

import graphlib
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from executors._types import ToolCall

FROM = "$from"


class DependencyError(ValueError):
    """A call list whose dependencies cannot be satisfied; the message names the cycle or the missing id."""


def find_cycle(after: Mapping[str, Sequence[str]]) -> list[str]:
    """A dependency cycle as a closed path of ids (first == last), read "a waits for b waits for … a",
    or [] when the graph is acyclic (the standard library's topological sorter finds it)."""
    try:
        graphlib.TopologicalSorter({n: tuple(deps) for n, deps in after.items()}).prepare()
    except graphlib.CycleError as exc:
        return list(reversed(exc.args[1]))  # graphlib walks from a call to its dependents
    return []


def references(args: Any) -> set[str]:
    """Call ids named by ``$from`` placeholders anywhere in ``args``."""
    out: set[str] = set()
    if isinstance(args, Mapping):
        ref = args.get(FROM)
        if isinstance(ref, str):
            out.add(ref)
            return out
        values: Any = args.values()
    elif isinstance(args, list | tuple):
        values = args
    else:
        return out
    for v in values:
        # Scalars (the usual argument) cannot hold a placeholder: no call, no set, on the hot path.
        if isinstance(v, Mapping | list | tuple):
            out |= references(v)
    return out


#: argument values that cannot hold a placeholder
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _independent(calls: Sequence[ToolCall]) -> bool:
    """No call waits for another and no argument can hold a ``$from`` placeholder (all are scalars): the
    usual turn, told in one loop by exact type, several times cheaper than ``references``' isinstance."""
    for c in calls:
        if c.after:
            return False
        for v in c.args.values():
            if type(v) not in _SCALARS:
                return False
    return True


def check_graph(calls: Sequence[ToolCall]) -> bool:
    """Refuse duplicate ids, ``after`` naming no call of the turn, ``$from`` not listed in ``after``, cycles;
    return whether any call waits for another."""
    known = {c.id for c in calls}
    if len(known) != len(calls):
        ids = [c.id for c in calls]
        dup = next(i for i in ids if ids.count(i) > 1)
        raise DependencyError(f"call id {dup!r} appears twice in one turn")
    if _independent(calls):
        return False  # the common case: nothing more to check
    for c in calls:
        for a in c.after:
            if a not in known:
                raise DependencyError(f"call {c.id!r} waits for {a!r}, which is not a call of this turn")
        missing = sorted(references(c.args) - set(c.after))
        if missing:
            raise DependencyError(
                f"call {c.id!r} takes an argument from {missing[0]!r} but does not list it in 'after'"
            )
    cycle = find_cycle({c.id: c.after for c in calls})
    if cycle:
        raise DependencyError("dependency cycle " + " -> ".join(cycle))
    return any(c.after for c in calls)


def levels(calls: Sequence[ToolCall]) -> list[list[int]]:
    """Indices grouped by level (Kahn layers), list order kept inside a level: the document's grouper.
    Assumes ``check_graph`` passed."""
    index = {c.id: i for i, c in enumerate(calls)}
    level = [0] * len(calls)
    for i in topological_order(calls):
        level[i] = max((level[index[a]] + 1 for a in calls[i].after), default=0)
    out: list[list[int]] = [[] for _ in range(max(level, default=-1) + 1)]
    for i, lv in enumerate(level):
        out[lv].append(i)
    return out


def topological_order(calls: Sequence[ToolCall]) -> list[int]:
    """Indices in a stable topological order: list order, except that a call follows everything it waits for."""
    index = {c.id: i for i, c in enumerate(calls)}
    placed: list[int] = []
    seen = [False] * len(calls)

    def place(i: int) -> None:
        if seen[i]:
            return
        seen[i] = True
        for a in calls[i].after:
            place(index[a])
        placed.append(i)

    for i in range(len(calls)):
        place(i)
    return placed


def resolve_args(
    args: Mapping[str, Any], values: Mapping[str, Any], keep: Collection[str] = ()
) -> dict[str, Any]:
    """``args`` with every ``$from`` placeholder replaced by the referenced call's value (KeyError if absent);
    placeholders naming a call in ``keep`` stay as they are (a later resolution fills them)."""
    return {k: _resolve(v, values, keep) for k, v in args.items()}


def _resolve(v: Any, values: Mapping[str, Any], keep: Collection[str]) -> Any:
    if isinstance(v, Mapping):
        ref = v.get(FROM)
        if isinstance(ref, str):
            if ref in keep:
                return v
            value = values[ref]
            key = v.get("key")
            if key is not None and isinstance(value, Mapping):
                return value.get(key)
            return value
        return {k: _resolve(x, values, keep) for k, x in v.items()}
    if isinstance(v, list):
        return [_resolve(x, values, keep) for x in v]
    return v
