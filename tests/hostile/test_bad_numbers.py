"""Non-finite and absurd numbers in scenario files: refused at load time with file, key and allowed range."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile._cli import assert_one_line, pfcbench, write_scenario

ONE_TOOL = 'name = "bad"\n[[tools]]\nname = "a"\n'

CASES = [
    # (scenario body, the message fragment)
    (ONE_TOOL + 'latency = {dist = "constant", ms = nan}', "tools[0].latency.ms: must be a finite number >= 0"),
    (ONE_TOOL + 'latency = {dist = "uniform", low_ms = 1, high_ms = inf}', "high_ms: must be a finite number"),
    (ONE_TOOL + 'latency = {dist = "constant", ms = 1e308}', "latency.ms: must be <= 86400000, got 1e+308"),
    (ONE_TOOL + 'latency = {dist = "constant", ms = -inf}', "must be a finite number >= 0 and <= 86400000"),
    (ONE_TOOL + 'latency = {dist = "lognormal", median_ms = 10, sigma = 1e3}', "sigma: must be <= 10"),
    (ONE_TOOL + 'latency = {dist = "gamma", shape = 1e6, scale_ms = 1e6}', "99.9th percentile is"),
    (ONE_TOOL + 'latency = {dist = "normal", mean_ms = nan, sd_ms = 1}', "mean_ms: must be a finite number"),
    (ONE_TOOL + 'latency = {dist = "constant", ms = 5}\nhang_ms = inf', "hang_ms: must be a finite number"),
    (ONE_TOOL + 'latency = {dist = "constant", ms = 5}\nerror_rate = nan', "error_rate: must be a finite number"),
    ('name = "bad"\n[[tools]]\nname = "a_{i}"\ncount = 100000000\nlatency = {dist = "constant", ms = 5}',
     "tools[0].count: must be >= 1 and <= 10000, got 100000000"),
    ('name = "bad"\n[[tools]]\nname = "a_{i}"\ncount = 5000\ncalls = 3\nlatency = {dist = "constant", ms = 5}',
     "make 15000 calls; at most 10000 per scenario"),
    ('name = "bad"\n[quotas.q]\ncalls = 5\nperiod_ms = nan\n[[tools]]\nname = "a"\nquota = "q"\n'
     'latency = {dist = "constant", ms = 5}', "quotas.q.period_ms: must be a finite number > 0"),
    ('name = "bad-{a}-{b}"\n[matrix]\na = [' + ", ".join(map(str, range(1000))) + "]\nb = ["
     + ", ".join(map(str, range(1000))) + ']\n[[tools]]\nname = "t"\nlatency = {dist = "constant", ms = 5}',
     "matrix: makes 1000000 scenarios; at most 1000 per file"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "fragment"), CASES, ids=[c[1][:40] for c in CASES])
def test_bad_number_is_one_line_at_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, fragment: str
) -> None:
    """Each bad number exits 2 with one line naming the file, the key and what is allowed; nothing runs."""
    path = write_scenario(tmp_path, body)
    out = tmp_path / "out"
    code, _, err = pfcbench(["run", "--scenario", path, "--out", out], capsys)
    assert_one_line(code, err, fragment)
    assert str(path) in err
    assert not out.exists()


def test_nan_in_an_empirical_csv_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A measured-latency CSV holding nan or an absurd value is refused with its row."""
    (tmp_path / "lat.csv").write_text("ms\n12\nnan\n", encoding="utf-8")
    path = write_scenario(
        tmp_path, ONE_TOOL + 'latency = {dist = "empirical", csv = "lat.csv", column = "ms"}'
    )
    code, _, err = pfcbench(["run", "--scenario", path, "--out", tmp_path / "out"], capsys)
    assert_one_line(code, err, "row 2: latency must be a number of ms >= 0 and <= 86400000, got 'nan'")
