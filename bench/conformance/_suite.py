"""The conformance suite: every probe for every installed framework executor (or those asked), written to
``conformance.json`` with the frameworks' versions, then rendered by ``reports`` (conformance.md and one
PNG of overheads). Each value is measured in this run."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.conformance._probes import (
    cap_honoured,
    order_and_ids,
    parallel,
    siblings_on_error,
    sync_blocks_loop,
)
from bench.conformance._timing import hung, overhead
from bench.run import run_metadata, utc_now
from bench.run.frameworks import FRAMEWORKS, framework_versions, install_hint, installed
from reports import render_conformance, write_json_atomic


class ConformanceError(ValueError):
    """A suite that cannot run as asked; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class ConformanceConfig:
    out: Path
    #: framework executor labels (None: every installed one)
    frameworks: tuple[str, ...] | None = None
    reps: int = 7
    rounds: int = 11
    #: only the overhead part (``nox -s peers``)
    overhead_only: bool = False


def chosen(config: ConformanceConfig) -> tuple[list[str], dict[str, str]]:
    """The labels to run, and those skipped with why; an unknown or uninstalled name asked for is refused."""
    if config.frameworks is None:
        run = [n for n in FRAMEWORKS if installed(n)]
        return run, {n: f"not installed ({install_hint(n)})" for n in FRAMEWORKS if n not in run}
    for n in config.frameworks:
        if n not in FRAMEWORKS:
            raise ConformanceError(f"--framework: unknown {n!r}; choose from {', '.join(FRAMEWORKS)}")
        if not installed(n):
            raise ConformanceError(f"--framework {n}: not installed; install it with: {install_hint(n)}")
    return list(dict.fromkeys(config.frameworks)), {}


def measure_one(label: str, config: ConformanceConfig) -> dict[str, Any]:
    """Every probe of one framework executor."""
    info = FRAMEWORKS[label]
    row: dict[str, Any] = {"framework": info.dist, "kind": info.kind, "knob": info.knob}
    row["overhead_us_per_call"] = overhead(label, rounds=config.rounds)
    if config.overhead_only:
        return row
    row["parallel"] = parallel(label, config.reps)
    row["cap_honoured"] = cap_honoured(label)
    row["sync_blocks_loop"] = sync_blocks_loop(label, config.reps)
    row |= hung(label)
    row |= order_and_ids(label)
    row["siblings_delivered_on_error"] = siblings_on_error(label)
    return row


def run_conformance(config: ConformanceConfig, progress: Callable[[str], None] | None = None) -> Path:
    """Measure, write conformance.json, render conformance.md and the PNG; returns the markdown's path."""
    labels, skipped = chosen(config)
    if not labels:
        raise ConformanceError(
            "no framework is installed; install them with: pip install 'pfcbench[frameworks]'"
        )
    try:
        config.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConformanceError(f"--out {config.out}: cannot write there ({exc.strerror})") from None
    rows = {}
    # a failing tool is one of the probes: ADK logs its traceback at ERROR, which is the probe, not a fault
    adk_log = logging.getLogger("google_adk")
    level = adk_log.level
    adk_log.setLevel(logging.CRITICAL)
    try:
        for label in labels:
            if progress:
                progress(label)
            rows[label] = measure_one(label, config)
    finally:
        adk_log.setLevel(level)
    doc = {
        "schema": 1,
        "created_at": utc_now(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "versions": framework_versions(labels),
        "meta": run_metadata({"frameworks": labels, "reps": config.reps, "rounds": config.rounds}),
        "skipped": skipped,
        "overhead_only": config.overhead_only,
        "results": rows,
    }
    write_json_atomic(config.out / "conformance.json", doc)
    return render_conformance(config.out)
