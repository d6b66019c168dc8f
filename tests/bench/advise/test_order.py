"""The final order by measurement, the SLO verdict and the notes on disagreement and on the hedge's effect."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bench.advise import AdviseConfig, Candidate, Measured, search
from bench.advise._advise import _order, _picks
from bench.advise._chosen import Chosen
from bench.advise._fast import Prediction
from bench.advise._notes import _disagreements, _hedge_effects, _slo_words
from bench.advise._render import predicted_row, row
from reports import CI
from tests.bench.advise.conftest import MIXED, scenario


def _pred(c: Candidate, p50: float, p95: float, extra: float = 0.0) -> Prediction:
    return Prediction(c, p50, p95, 0.0, extra, 0.0, (p50,))


def _meas(label: str, p50: float, p95: float, spans: tuple[float, ...] = ()) -> Measured:
    ci50, ci95 = CI(p50 * 0.95, p50 * 1.05, "order"), CI(p95 * 0.9, p95 * 1.1, "order")
    return Measured(label, spans or (p50,), p50, p95, ci50, ci95, 0.0, 0.0, 0.0)


BIG, SMALL = Candidate("threaded", 10), Candidate("threaded", 3)


def test_measured_tie_goes_to_the_lower_p95_then_the_cheaper() -> None:
    """Measured p50s within 3%: the lower p95 leads, though its p50 is the slower one."""
    picks = [_pred(BIG, 100, 150), _pred(SMALL, 100, 150)]
    m = {BIG.label: _meas(BIG.label, 100, 200), SMALL.label: _meas(SMALL.label, 102, 150)}
    assert _order(picks, m, 10, None)[0].candidate == SMALL
    m[SMALL.label] = _meas(SMALL.label, 102, 200)
    assert _order(picks, m, 10, None)[0].candidate == SMALL  # both figures tie: the cheaper
    m[SMALL.label] = _meas(SMALL.label, 130, 150)
    assert _order(picks, m, 10, None)[0].candidate == BIG  # no tie: the faster median


def test_slo_puts_the_cheapest_measured_to_meet_it_first() -> None:
    """With an SLO both meet, the cheaper (slower) configuration is first and the page says it meets it."""
    picks = [_pred(BIG, 100, 150), _pred(SMALL, 200, 280)]
    m = {BIG.label: _meas(BIG.label, 100, 150), SMALL.label: _meas(SMALL.label, 200, 280)}
    ordered = _order(picks, m, 10, 300.0)
    assert ordered[0].candidate == SMALL
    rows = [row(p, m[p.candidate.label]) for p in ordered]
    assert "**threaded@3** is the cheapest configuration measured to meet it" in _slo_words(300.0, rows)
    assert "no configuration meets it; the closest is threaded@10" in _slo_words(100.0, rows).replace(
        "**", ""
    )


def test_prediction_outside_the_measured_ci_is_named() -> None:
    """A predicted p95 outside the measured interval is listed; one inside is not."""
    rows = [predicted_row(_pred(BIG, 100, 150)), predicted_row(_pred(SMALL, 200, 400))]
    m = {BIG.label: _meas(BIG.label, 101, 152), SMALL.label: _meas(SMALL.label, 201, 300)}
    notes = _disagreements(rows, m)
    assert len(notes) == 1 and notes[0].startswith("threaded@3: predicted p95 400 ms lies outside")


def test_hedge_effect_says_whether_the_measured_change_reaches_the_predicted() -> None:
    """A hedge predicted to cut p95 by ~50% and measured to cut it by ~50% is said to reach it."""
    hedged = Candidate("threaded", 3, hedge_ms=(("search", 200.0),), hedge_q=0.9)
    spans = tuple(float(x) for x in range(100, 200))
    tail = tuple(s * 2 if i >= 90 else s for i, s in enumerate(spans))
    m = {hedged.label: _meas(hedged.label, 150, 195, spans), SMALL.label: _meas(SMALL.label, 150, 390, tail)}
    # the search is not read by the hedge's note
    chosen = Chosen([_pred(hedged, 150, 195), _pred(SMALL, 150, 390)], None, None, m, 100, 1.0)  # type: ignore[arg-type]
    (note,) = _hedge_effects(AdviseConfig(scenario(MIXED), Path(".")), chosen)
    assert "threaded@3+hedge-p90 vs threaded@3" in note and "reaches the predicted one within its CI" in note


def test_the_first_pick_is_confirmed_on_the_other_runtime_too() -> None:
    """threaded@k and asyncio@k predict alike; the first pick's twin on the other runtime is measured too."""
    s = scenario(MIXED)
    found = search(s, None, 32, 7)
    picks = [p.candidate for p in _picks(found, AdviseConfig(s, Path(".")), len(s.calls))]
    lead = picks[0]
    assert lead.executor in ("threaded", "asyncio")
    other = "asyncio" if lead.executor == "threaded" else "threaded"
    assert replace(lead, executor=other) in picks


def test_a_disagreement_is_listed_once_when_the_current_is_recommended() -> None:
    """The recommendation and the current configuration are one row: its disagreement is one note."""
    r = predicted_row(_pred(SMALL, 200, 400))
    assert len(_disagreements([r, r], {SMALL.label: _meas(SMALL.label, 201, 300)})) == 1
