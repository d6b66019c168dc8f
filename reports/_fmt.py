"""How the report prints a number: document ms, intervals, ratios and percentages, one style everywhere."""

from __future__ import annotations

import math

from reports._intervals import CI


def ms(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"


def pm(se: float) -> str:
    """`` ± 1.4`` after an estimated figure (its standard error: one decimal, one significant digit below
    0.1); nothing after an exact one (0) or an unknown one."""
    if not (math.isfinite(se) and se > 0):
        return ""
    return f" ± {se:,.0f}" if se >= 10 else f" ± {se:.1f}" if se >= 0.1 else f" ± {se:.1g}"


def ci(c: CI, fmt: str = "ms") -> str:
    """``[low–high]``; without an interval, why: ``[no CI: needs 59 trials]``."""
    if not c.defined:
        return f"[no CI: needs {c.needed} trials]" if c.needed else "[n/a]"
    if fmt == "x":
        return f"[{c.low:.2f}–{c.high:.2f}]"
    if fmt == "%":
        return f"[{c.low:.1%}–{c.high:.1%}]"
    return f"[{ms(c.low)}–{ms(c.high)}]"


def x(v: float) -> str:
    return "–" if not math.isfinite(v) else f"{v:.2f}×"


def pct(v: float) -> str:
    """One decimal: 0.9951 prints 99.5%, so "within half a percent of the limit" is visible."""
    return "–" if not math.isfinite(v) else f"{v:.1%}"


def cell(text: str) -> str:
    """Markdown table cells cannot hold a bare pipe."""
    return text.replace("|", "\\|")


def table_head(columns: str) -> list[str]:
    """A markdown table's header and separator lines, from its column names written ``"A | B | C"``."""
    return [f"| {columns} |", "|" + "---|" * len(columns.split(" | "))]
