"""Figures of load runs, from plain rows (queries.jsonl lines, sweep.json points): latency over the run,
and latency against offered load (where the knee is saturation)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_latency_over_time(queries: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> None:
    """Latency (from intended start) and its queueing part, per query, against the intended start."""
    plt = _pyplot()
    done = [q for q in queries if q.get("end_s") is not None]
    fig, ax = plt.subplots(figsize=(7, 4))
    x = [q["intended_start_s"] for q in done]
    ax.scatter(x, [q["latency_s"] * 1000 for q in done], s=8, label="latency (end − intended)")
    ax.scatter(
        x, [q["queueing_s"] * 1000 for q in done], s=8, marker="x", label="queueing (start − intended)"
    )
    ax.set_xlabel("intended start (s from run start)")
    ax.set_ylabel("ms")
    ax.set_title("Latency over the run (open loop)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_sweep(points: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> None:
    """p50/p99 latency and error rate against offered load, one point per rate of the sweep."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    rates = [p["offered_rate_qps"] for p in points]
    for key, style in (("p50", "o-"), ("p99", "s-"), ("max", "^:")):
        ys = [(p["latency_s"][key] or float("nan")) * 1000 for p in points]
        ax.plot(rates, ys, style, label=f"latency {key}")
    ax.set_yscale("log")
    ax.set_xlabel("offered load (queries/s)")
    ax.set_ylabel("latency from intended start (ms, log)")
    ax2 = ax.twinx()
    ax2.plot(rates, [p["error_rate"] * 100 for p in points], "k--", alpha=0.5, label="errors")
    ax2.set_ylabel("queries with an error or 429 (%)")
    ax2.set_ylim(0, 100)
    lines, labels = ax.get_legend_handles_labels()
    l2, lb2 = ax2.get_legend_handles_labels()
    ax.legend(lines + l2, labels + lb2, loc="upper left")
    ax.set_title("Latency vs offered load")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
