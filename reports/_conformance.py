"""The conformance page from conformance.json alone: one row per framework executor, each cell the measured
value and ✓/✗ against what a careful user expects, n/a where a property does not apply; and one PNG of the
dispatch overhead per call with its 95% intervals."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reports._schema import write_text_atomic

#: what a careful user expects of each property
CONFORMANCE_EXPECTED = {
    "parallel": True,
    "cap_honoured": True,
    "sync_blocks_loop": False,
    "hung_contained": True,
    "thread_leak_after_timeout": False,
    "order_kept": True,
    "ids_kept": True,
    "siblings_delivered_on_error": True,
}
FAN_OUTS = ("1", "10", "100")


def _mark(key: str, m: Mapping[str, Any]) -> str:
    value = m.get("value")
    if value is None:
        return "n/a"
    return "✓" if value == CONFORMANCE_EXPECTED[key] else "✗"


def _x(e: Mapping[str, Any], digits: int = 2) -> str:
    low, high = e.get("low", math.nan), e.get("high", math.nan)
    ci = "" if math.isnan(low) or math.isnan(high) else f" [{low:.{digits}f}, {high:.{digits}f}]"
    return f"{e['median']:.{digits}f}{ci}"


def _cells(row: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    p = row["parallel"]
    out["parallel"] = (
        f"{'yes' if p['value'] else 'no'}: phase {_x(p['phase_over_max'])}× longest call, peak {p['peak']}"
    )
    c = row["cap_honoured"]
    out["cap_honoured"] = (
        f"peak {c['peak']} with {c['knob']}={c['cap']}" if c["value"] is not None else c["reason"]
    )
    s = row["sync_blocks_loop"]
    out["sync_blocks_loop"] = (
        f"{'yes' if s['value'] else 'no'}: phase {_x(s['phase_over_call'])}× the call"
        if s["value"] is not None
        else s["reason"]
    )
    h = row["hung_contained"]
    if h["value"] is None:
        out["hung_contained"] = h["reason"]
    else:
        where = "error to the model" if h["error_reached_model"] else f"turn failed ({h['turn_error']})"
        refused = (
            f"; sync tools refused ({h['sync_refused']}), async measured" if h.get("sync_refused") else ""
        )
        out["hung_contained"] = (
            f"returned at {h['returned_s']:.2f} s (budget {h['budget_s']} s by {h['knob']}), {where}{refused}"
        )
    leak = row["thread_leak_after_timeout"]
    out["thread_leak_after_timeout"] = (
        leak["reason"]
        if leak["value"] is None
        else ("yes" if leak["value"] else "no") + f": ran on {leak['ran_on_s']:.2f} s"
    )
    if h.get("still_running_after_wait"):  # the probe waited twice the tool's time; it is left to the exit
        out["thread_leak_after_timeout"] += " (still running when the probe stopped waiting)"
    o = row["order_kept"]
    out["order_kept"] = f"{o.get('order', 'other')} order: " + ",".join(str(i) for i in o["delivered"])
    ids = row["ids_kept"]
    out["ids_kept"] = "every result carries its id" if ids["value"] else f"carried: {ids['carried']}"
    e = row["siblings_delivered_on_error"]
    fail = "" if e["turn_error"] is None else f"; turn failed: {e['turn_error']}"
    out["siblings_delivered_on_error"] = f"{e['delivered']}/{e['of']} delivered{fail}"
    return out


def _overhead_cell(row: Mapping[str, Any]) -> str:
    o = row["overhead_us_per_call"]
    return " / ".join(_x(o[n], 0) for n in FAN_OUTS if n in o)


def conformance_markdown(doc: Mapping[str, Any]) -> str:
    """The page: a ✓/✗ table, the measured values, and the overheads."""
    versions = doc.get("versions", {})
    lines = [
        "# Framework conformance",
        "",
        f"Measured {doc.get('created_at', '')} (load average {doc.get('load_average', 'n/a')}). ✓ what a careful user "
        "expects, ✗ not, n/a the property does not apply. Times are medians with 95% order-statistic intervals.",
        "",
    ]
    rows = doc["results"]
    if not doc.get("overhead_only"):
        keys = list(CONFORMANCE_EXPECTED)
        lines += ["| Executor | version | " + " | ".join(keys) + " |", "|---" * (len(keys) + 2) + "|"]
        for label, row in rows.items():
            lines.append(
                f"| {label} | {versions.get(row['framework'], 'n/a')} | "
                + " | ".join(_mark(k, row[k]) for k in keys)
                + " |"
            )
        lines += ["", "## Measured values", ""]
        for label, row in rows.items():
            lines.append(f"**{label}**")
            lines += [f"- {k}: {_mark(k, row[k])} {v}" for k, v in _cells(row).items()]
            lines.append("")
    lines += [
        "## Dispatch overhead per call (µs), framework − raw primitive, at fan-out 1 / 10 / 100",
        "",
        "| Executor | raw primitive | µs per call |",
        "|---|---|---|",
    ]
    lines += [
        f"| {label} | {row['overhead_us_per_call']['raw']} | {_overhead_cell(row)} |"
        for label, row in rows.items()
    ]
    skipped = doc.get("skipped") or {}
    if skipped:
        lines += ["", "Not measured: " + "; ".join(f"{k}: {v}" for k, v in skipped.items())]
    return "\n".join(lines) + "\n"


def _plot(doc: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, row in doc["results"].items():
        o = row["overhead_us_per_call"]
        ns = [n for n in FAN_OUTS if n in o]
        med = [max(o[n]["median"], 0.1) for n in ns]
        low = [
            m - max(o[n]["low"], 0.1) if not math.isnan(o[n]["low"]) else 0.0
            for m, n in zip(med, ns, strict=True)
        ]
        high = [
            max(o[n]["high"], 0.1) - m if not math.isnan(o[n]["high"]) else 0.0
            for m, n in zip(med, ns, strict=True)
        ]
        ax.errorbar([int(n) for n in ns], med, yerr=[low, high], marker="o", capsize=3, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("calls in the turn")
    ax.set_ylabel("µs per call over the raw primitive (≤ 0.1 drawn at 0.1)")
    ax.set_title("Framework dispatch overhead (median, 95% CI)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render_conformance(out_dir: str | Path) -> Path:
    """Write conformance.md and conformance_overhead.png beside ``out_dir``'s conformance.json."""
    out = Path(out_dir)
    doc = json.loads((out / "conformance.json").read_text(encoding="utf-8"))
    md = out / "conformance.md"
    write_text_atomic(md, conformance_markdown(doc))
    _plot(doc, out / "conformance_overhead.png")
    return md
