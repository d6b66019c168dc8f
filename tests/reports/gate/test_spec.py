"""Gate files: what parses, and the one-line errors for what does not."""

from __future__ import annotations

import pytest

from reports import GateError, parse_spec, parse_threshold


def test_full_spec_parses_into_canonical_units() -> None:
    """Times become document ms, percentages fractions, wildcards and the regression table are kept."""
    spec = parse_spec(
        """
[gates]
"doc-10apis/threaded" = ["p95 < 520ms", "efficiency >= 0.97", "speedup >= 5"]
"*/asyncio" = ["max <= 1.5s", "error_rate < 1%", "overhead_ms == 0ms", "p99 > 1ms", "mean < 2ms", "p50 < 3ms"]
"*/*" = "error_rate == 0"

[regression]
tolerance = 0.1
confidence = 0.95
resamples = 500
seed = 3
executors = ["threaded"]
""",
        where="g.toml",
    )
    first, second, third = spec.rules
    assert (first.scenario, first.executor) == ("doc-10apis", "threaded")
    assert [(t.metric, t.op, t.value) for t in first.thresholds] == [
        ("p95", "<", 520.0),
        ("efficiency", ">=", 0.97),
        ("speedup", ">=", 5.0),
    ]
    assert second.thresholds[0].value == 1500.0
    assert second.thresholds[1].value == pytest.approx(0.01)
    assert second.matches("anything", "asyncio") and not second.matches("x", "threaded")
    assert third.thresholds[0].metric == "error_rate"
    pol = spec.regression
    assert (pol.tolerance, pol.confidence, pol.resamples, pol.seed) == (0.1, 0.95, 500, 3)
    assert pol.covers("any", "threaded") and not pol.covers("any", "asyncio")


def test_empty_spec_has_defaults() -> None:
    """A file with no tables means no thresholds and the default regression policy."""
    spec = parse_spec("")
    assert spec.rules == ()
    assert spec.regression.tolerance == 0.05
    assert spec.regression.confidence == 0.99


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[gates\n", "not valid TOML"),
        ("[gate]\n", "unknown table 'gate'"),
        ('[gates]\n"threaded" = ["p95 < 1ms"]\n', 'must be "SCENARIO/EXECUTOR"'),
        ('[gates]\n"a/b/c" = ["p95 < 1ms"]\n', 'must be "SCENARIO/EXECUTOR"'),
        ('[gates]\n"a/b" = []\n', "non-empty list of strings"),
        ('[gates]\n"a/b" = [1]\n', "non-empty list of strings"),
        ('[gates]\n"a/b" = ["p90 < 1ms"]\n', "unknown metric 'p90'"),
        ('[gates]\n"a/b" = ["p95 < 500"]\n', "needs a unit, ms or s"),
        ('[gates]\n"a/b" = ["speedup >= 5x"]\n', "cannot read"),
        ('[gates]\n"a/b" = ["efficiency >= 0.9ms"]\n', "plain number"),
        ('[gates]\n"a/b" = ["error_rate <= 2"]\n', "between 0 and 1"),
        ('[gates]\n"a/b" = ["error_rate <= 1ms"]\n', "fraction (0.01) or a percentage"),
        ('[gates]\n"a/b" = ["p95 != 1ms"]\n', "OP one of"),
        ("[regression]\ntolerence = 0.1\n", "unknown key 'tolerence'"),
        ("[regression]\ntolerance = -1\n", "tolerance must be"),
        ("[regression]\nconfidence = 1.0\n", "confidence must be"),
        ("[regression]\nresamples = 10\n", "resamples must be"),
        ('[regression]\nexecutors = "threaded"\n', "executors must be"),
    ],
)
def test_bad_spec_gets_one_line_naming_file_and_fix(text: str, needle: str) -> None:
    """Every malformed gate file is refused with one line naming the file and what is allowed."""
    with pytest.raises(GateError) as info:
        parse_spec(text, where="gates/ci.toml")
    msg = str(info.value)
    assert msg.startswith("gates/ci.toml: ")
    assert needle in msg
    assert "\n" not in msg


def test_threshold_comparators_hold_as_written() -> None:
    """Each of < <= > >= == compares measured against the limit in that order."""
    assert parse_threshold("p95 < 10ms").holds(9.9) and not parse_threshold("p95 < 10ms").holds(10)
    assert parse_threshold("p95 <= 10ms").holds(10)
    assert parse_threshold("speedup > 2").holds(2.1) and not parse_threshold("speedup > 2").holds(2)
    assert parse_threshold("speedup >= 2").holds(2)
    assert parse_threshold("error_rate == 0").holds(0.0) and not parse_threshold("error_rate == 0").holds(0.1)
