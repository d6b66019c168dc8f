"""run.json metadata: what a result was measured on, so runs measured differently are not compared."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The commit of the checkout pfcbench runs from, with '+dirty' when it has uncommitted changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def cpu_model() -> str | None:
    """The CPU's model name (Linux: /proc/cpuinfo; elsewhere platform.processor()), part of the machine
    fingerprint ``pfcbench history`` files runs under; ``platform.processor()`` is empty on Linux."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Processor", "cpu model") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or None


def run_metadata(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": 1,
        "args": args,
        "versions": {
            "pfcbench": _version("pfcbench"),
            "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            **{name: _version(name) for name in ("numpy", "scipy", "pandas", "matplotlib")},
        },
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor(),
            "cpu_model": cpu_model(),
            "cpu_count": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        },
        "git_commit": git_commit(),
        "timer": {"name": "time.perf_counter", "resolution_s": _timer_resolution()},
    }


def _timer_resolution() -> float:
    return time.get_clock_info("perf_counter").resolution
