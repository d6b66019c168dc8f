"""Raw references in a run directory are kept apart from executors: tables and rankings skip them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports import RAW_LABELS, is_raw, load_run
from reports._frames import executor_order


def test_load_run_keeps_raw_rows_out_of_the_executor_frames(tmp_path: Path, gen: Any) -> None:
    """trials/calls hold only executors; ``raw`` holds the references' rows with the same columns."""
    recs = [
        gen.make_record("s", label, t, [100.0, 200.0], [0.0, 0.0])
        for t in range(2)
        for label in ("sequential", "threaded", *RAW_LABELS)
    ]
    data = load_run(gen.write_run(tmp_path, recs, {"s": {"family": "s"}}))
    assert set(data.trials["executor"]) == {"sequential", "threaded"}
    assert set(data.calls["executor"]) == {"sequential", "threaded"}
    assert set(data.raw["executor"]) == set(RAW_LABELS) and len(data.raw) == 4
    assert list(data.raw.columns) == list(data.trials.columns)
    assert executor_order(data.raw) == [] and is_raw("raw-threads") and not is_raw("threaded")
