"""The quota's grace floor is a run setting: the bench and the gate choose how much wall time it keeps."""

from __future__ import annotations

import pytest

from bench.run import RunConfig
from bench.run._quota_scale import scale_for
from scenarios import load_catalog, quota_time_scale

ROW4 = load_catalog()["doc-10apis-ratelimited"]


def test_the_grace_floor_is_the_runs_choice() -> None:
    """--quota-grace-wall-ms 1 (the bench) runs row 4 at 0.1, 0 keeps the requested scale; run.json records
    a floor other than the default, so runs made before the flag still resume."""
    assert quota_time_scale(ROW4, 0.015, 0.001) == pytest.approx(0.1)
    assert quota_time_scale(ROW4, 0.015, 0.0) == 0.015
    bench = RunConfig((ROW4,), ("threaded",), time_scale=0.015, quota_grace_wall_ms=1.0)
    assert scale_for(bench, ROW4) == pytest.approx(0.1)
    assert bench.args_json()["quota_grace_wall_ms"] == 1.0
    assert "quota_grace_wall_ms" not in RunConfig((ROW4,), ("threaded",)).args_json()
