"""Where a gate's verdict goes: its JSON file (written atomically) and, in CI, the job summary page."""

from __future__ import annotations

from pathlib import Path

from reports._gate import GateVerdict
from reports._schema import write_json_atomic


def write_verdict(verdict: GateVerdict, json_path: Path, summary: str | None = None) -> str:
    """Write ``verdict`` to ``json_path`` and append its markdown to ``summary`` (``$GITHUB_STEP_SUMMARY``)
    when given; returns the markdown."""
    md = verdict.to_markdown()
    if summary:
        # Appended, not overwritten: other steps of the job write their own sections to the same file.
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(md + "\n")
    write_json_atomic(json_path, verdict.to_json())
    return md
