"""``advise --framework NAME``: the best configuration found, said in that framework's own settings (its
concurrency knob, thread pool, timeout), and what the framework cannot do that the configuration needs.
What a framework cannot do comes from its adapter's knobs and, given a conformance.json, from what the
suite measured there (a ✗ is named with its measured value); nothing is taken from a table of beliefs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.run.frameworks import FRAMEWORKS
from reports import CONFORMANCE_EXPECTED
from scenarios import Scenario


def _parts(label: str) -> tuple[int | None, bool, bool, int]:
    """(workers, timeout, hedge, retries) of an advise label such as ``threaded@4+timeout-p99+retry1``."""
    head, *mods = label.split("+")
    k = head.partition("@")[2]
    retries = next((int(m.removeprefix("retry")) for m in mods if m.startswith("retry")), 0)
    return (
        (int(k) if k.isdigit() else None),
        any(m.startswith("timeout") for m in mods),
        any(m.startswith("hedge") for m in mods),
        retries,
    )


def framework_advice(
    name: str, best_label: str, scenario: Scenario, conformance: Mapping[str, Any] | None = None
) -> list[str]:
    """Markdown lines: the framework's settings for ``best_label``, then what it cannot do."""
    info = FRAMEWORKS[name]
    workers, timeout, hedge, retries = _parts(best_label)
    do: list[str] = []
    cannot: list[str] = []
    if info.knob is not None:
        setting = f"`{info.knob}={workers}`" if workers else f"`{info.knob}` unset (every call at once)"
        do.append(f"set {setting}, the concurrency of `{best_label}`")
    elif workers:
        cannot.append(f"cap a turn's calls at {workers}: {name} has no per-turn concurrency knob")
    if name == "adk":
        do.append(
            "use `adk-pool` (RunConfig `tool_thread_pool_config`) if any tool is sync: without it a sync tool runs on ADK's event loop"
        )
    if timeout:
        if info.timeout is None:
            cannot.append(f"time out one tool call: the adapter knows no per-tool timeout knob of {name}")
        elif info.timeout_scope == "call":
            do.append(f"set `{info.timeout}` to the per-attempt timeout of `{best_label}`")
        else:  # set to a per-call timeout, it would cut off the whole turn (or query) at once
            cannot.append(
                f"time out one tool call: {name}'s only timeout, `{info.timeout}`, bounds the whole "
                f"{info.timeout_scope}; time out inside the tool, and keep it as a backstop above the longest {info.timeout_scope}"
            )
    if hedge:
        cannot.append("hedge a slow call (start a second copy): no framework here does")
    if retries:
        cannot.append(f"retry a failed call {retries} time(s) inside the turn: retry inside the tool itself")
    if scenario.quotas:
        cannot.append(
            "pace calls to the server's quota: a framework knows no quota, so cap its concurrency or pace "
            "inside the tool"
        )
    cannot += _measured_gaps(name, conformance)
    return [
        f"## In {name}",
        "",
        *(f"- Do: {d}." for d in do or [_nothing(cannot)]),
        *(f"- Cannot: {c}." for c in cannot),
        "",
    ]


def _nothing(cannot: list[str]) -> str:
    if cannot:
        return "none of its settings expresses the best configuration (see below)"
    return "nothing to set: its defaults match the best configuration"


def _measured_gaps(name: str, conformance: Mapping[str, Any] | None) -> list[str]:
    """The properties conformance.json measured as not what a careful user expects, for ``name``."""
    row = (conformance or {}).get("results", {}).get(name)
    if not isinstance(row, Mapping):
        return [] if conformance is None else [f"(no conformance row for {name} in the file given)"]
    out = []
    for key, expected in CONFORMANCE_EXPECTED.items():
        m = row.get(key)
        if isinstance(m, Mapping) and m.get("value") is not None and m.get("value") != expected:
            out.append(
                f"{key}: measured {m.get('value')}, a careful user expects {expected} (conformance.json)"
            )
    return out


def read_conformance(path: Path) -> dict[str, Any]:
    """conformance.json from a directory or a file; ``ValueError`` with one line when unreadable."""
    file = path / "conformance.json" if path.is_dir() else path
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"--conformance {path}: cannot read conformance.json ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        raise ValueError(f"--conformance {path}: not a conformance.json (no 'results' object)")
    return doc
