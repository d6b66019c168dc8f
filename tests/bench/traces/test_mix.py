"""Turn mixtures: a tool called in half of the trace's turns is called in about half of the fitted
scenario's trials, and theory's E[max] accounts for the turns that skip it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.traces import fit_trace, write_scenario
from scenarios import expected_max, load_file, make_plan
from tests.bench.traces._tracegen import lognormal, make_trace, write

TOOLS = [lognormal("base", 100.0, 0.3), lognormal("often", 80.0, 0.3), lognormal("half", 400.0, 0.2)]


def test_tool_in_half_the_turns_is_in_half_the_trials(tmp_path: Path) -> None:
    """'half' is in exactly 100 of 200 turns: the fitted scenario calls it in 40-60% of 6,000 trials, and
    theory's E[max] is the plans' mean max within 2%."""
    half = iter([i % 2 == 0 for i in range(200)])
    doc, _ = make_trace(TOOLS, 200, seed=3, shape=lambda r: [0, 1] + ([2] if next(half) else []))
    out = tmp_path / "mix.toml"
    write_scenario(fit_trace([write(doc, tmp_path / "t.json")], "mix"), out)
    text = out.read_text(encoding="utf-8")
    assert 'tool = "half"\nprobability = 0.5' in text
    (sc,) = load_file(out)
    plans = [make_plan(sc, 7, i) for i in range(6000)]
    share = np.mean([any(c.tool == "half" for c in p.calls) for p in plans])
    assert 0.40 <= share <= 0.60
    mc = np.mean([max(p.first_latencies_ms) for p in plans])
    assert expected_max([sc.call_latency(c) for c in sc.calls]) == pytest.approx(mc, rel=0.02)


BASE = 'name = "m"\n[[tools]]\nname = "a"\nlatency = { dist = "constant", ms = 5 }\n'


@pytest.mark.parametrize(
    ("calls", "fragment"),
    [
        ('[[calls]]\nid = "c0"\ntool = "a"\nprobability = 0.5\n', "at least one must be made in every turn"),
        ('[[calls]]\nid = "c0"\ntool = "a"\nprobability = 0\n', "probability"),
        ('[[calls]]\nid = "c0"\ntool = "a"\nprobability = 1.5\n', "probability"),
        (
            '[[calls]]\nid = "c0"\ntool = "a"\nprobability = 0.5\n[[calls]]\nid = "c1"\ntool = "a"\nafter = ["c0"]\n',
            "cannot wait for others or be waited for",
        ),
    ],
)
def test_bad_probabilities_are_one_line(tmp_path: Path, calls: str, fragment: str) -> None:
    """A probability outside (0, 1], on a call in a dependency, or on every call is refused naming the field."""
    from scenarios import ScenarioError

    p = tmp_path / "m.toml"
    p.write_text(BASE + calls, encoding="utf-8")
    with pytest.raises(ScenarioError, match=fragment):
        load_file(p)
